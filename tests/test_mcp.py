"""python app.py --mcp: the API endpoints as MCP tools, listed with typed descriptions and called with the mcp
client package; images come back as images, bad arguments as a tool error with a message, and no traceback."""
import asyncio
import base64
import io

import pytest
from PIL import Image, ImageDraw

from bench.local_server import AppServer
from conftest import ARTIFACTS

mcp = pytest.importorskip("mcp")
from mcp.client.streamable_http import streamable_http_client  # noqa: E402


@pytest.fixture(scope="module")
def mcp_url(tiny_export):
    server = AppServer(tiny_export, log_path=ARTIFACTS / "app-mcp.log", extra_env={"CGAN_MCP": "1"}).wait(180)
    yield server.url + "/gradio_api/mcp/"
    server.stop()


def call(url: str, calls: list[tuple[str, dict]]):
    """List the tools, then make each call, in one MCP session."""
    async def run():
        async with streamable_http_client(url) as (read, write, _):
            async with mcp.ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                return tools.tools, [await session.call_tool(name, arguments) for name, arguments in calls]
    return asyncio.run(run())


def images(result) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(c.data))) for c in result.content if c.type == "image"]


def garment_uri() -> str:
    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).rectangle([16, 8, 48, 56], fill=30)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_the_tools_are_listed_typed_and_return_images(mcp_url):
    tools, (generated, grid, projected) = call(mcp_url, [
        ("generate", {"class_name": "Dress", "seed": 7, "side": 2}),
        ("class_grid", {"seed": 3}),
        ("project", {"image": garment_uri(), "class_name": "Dress"})])
    by_name = {tool.name: tool for tool in tools}
    assert {"generate", "class_grid", "interpolate", "nearest", "project"} <= set(by_name)
    seed = by_name["generate"].inputSchema["properties"]["seed"]
    assert seed["type"] == "number" and "0 to 4294967295" in seed["description"]
    assert "Dress" in by_name["generate"].inputSchema["properties"]["class_name"]["enum"]
    assert not generated.isError and len(images(generated)) == 1
    assert images(generated)[0].width > 2 * 28 * 8  # a 2x2 grid of 28x28 images enlarged 8 times
    assert any("confidences" in getattr(c, "text", "") for c in generated.content)  # the label readout
    assert not grid.isError and len(images(grid)) == 1
    assert not projected.isError and len(images(projected)) == 2  # the image as the model sees it, its projection
    assert any(getattr(c, "text", "").startswith("z1.") for c in projected.content)  # the latent code


@pytest.mark.parametrize("name, arguments, phrase", [
    ("generate", {"class_name": "Hat", "seed": 7}, "Hat"),
    ("generate", {"class_name": "Dress", "seed": -1}, "seed"),
    ("class_grid", {"seed": 1, "truncation": 9.0}, "truncation"),
])
def test_bad_arguments_are_a_tool_error_with_a_message_and_no_traceback(mcp_url, name, arguments, phrase):
    _, (result,) = call(mcp_url, [(name, arguments)])
    assert result.isError and phrase in " ".join(getattr(c, "text", "") for c in result.content)
    assert "Traceback" not in (ARTIFACTS / "app-mcp.log").read_text()
