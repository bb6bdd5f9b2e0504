"""The instant tab in a real headless Chromium: the generator runs in the page, offline, with the server's pixels."""
from urllib.parse import urlparse

import pytest

from conftest import ARTIFACTS

pytestmark = pytest.mark.slow
TAB = "Instant"


def open_instant(page, app_url) -> list:
    """Open the tab, wait for its first frame; returns the list that collects every request from now on."""
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app_url)  # the page opens on the instant tab
    page.wait_for_function("() => window.cganInstant && (window.cganInstant.ready || window.cganInstant.error)",
                           timeout=120_000)
    assert page.evaluate("window.cganInstant.error") is None
    return requests


def set_controls(page, **controls):
    """Set inputs by data-role (direction_i for the sliders) and wait until the canvas is redrawn."""
    drawn = page.evaluate("window.cganInstant.drawn")
    page.evaluate("""(controls) => {
        const root = document.querySelector('#instant-app');
        for (const [key, value] of Object.entries(controls)) {
            const input = key.startsWith('direction_')
                ? root.querySelectorAll('[data-role="direction"]')[Number(key.split('_')[1])]
                : root.querySelector(`[data-role="${key}"]`);
            if (input.type === 'checkbox') input.checked = value; else input.value = String(value);
            input.dispatchEvent(new Event('input', { bubbles: true }));
        }
    }""", controls)
    page.wait_for_function("(n) => window.cganInstant.drawn > n && !window.cganInstant.error", arg=drawn)
    page.wait_for_timeout(50)  # input that arrived mid-frame is drawn right after
    page.wait_for_function("() => !document.querySelector('#instant-app').dataset.busy")


def canvas_pixels(page) -> list[int]:
    return page.evaluate("""() => {
        const canvas = document.querySelector('#instant-canvas');
        return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data);
    }""")


def test_instant_mode_loads_from_the_app_alone_and_draws(page, app_url):
    requests = open_instant(page, app_url)
    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts <= {"127.0.0.1"}, hosts  # runtime, wasm and model come from the app itself
    assert any(url.endswith(".wasm") for url in requests) and any("model.onnx" in url for url in requests)
    pixels = canvas_pixels(page)
    assert len(set(pixels[0::4])) > 5  # a picture, not a blank canvas
    page.screenshot(path=str(ARTIFACTS / "browser-instant.png"), full_page=True)


@pytest.mark.parametrize("controls", [
    dict(),
    {"class": "Trouser", "seed": 5},
    {"class": "Bag", "seed": 11, "psi": 0.7, "direction_0": 2.5, "direction_3": -1.5},
    {"class": "Dress", "seed": 3, "mix-class": "Coat", "mix-weight": 0.4, "direction_7": 3},
])
def test_the_page_draws_the_servers_pixels(page, app_url, controls):
    open_instant(page, app_url)
    if controls:
        set_controls(page, **controls)
    in_page = canvas_pixels(page)
    set_controls(page, **{"on-server": True})
    assert page.evaluate("window.cganInstant.onServer")
    on_server = canvas_pixels(page)
    worst = max(abs(a - b) for a, b in zip(in_page, on_server))
    assert worst <= 2, f"{controls}: the page's image differs from the server's by {worst}/255"


def settle(page, requests, quiet_ms=1500):
    """Wait until the page has made no request for quiet_ms: the Generate tab's first results load in the
    background after the instant tab has drawn."""
    for _ in range(40):
        count = len(requests)
        page.wait_for_timeout(quiet_ms)
        if len(requests) == count:
            return


def test_moving_controls_sends_nothing_to_the_server(page, app_url):
    requests = open_instant(page, app_url)
    settle(page, requests)
    before = len(requests)
    slider = page.locator('#instant-app [data-role="direction"]').first
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 5, y)
    page.mouse.down()
    for i in range(60):  # a drag across the slider, ~60 input events
        page.mouse.move(box["x"] + 5 + i * (box["width"] - 10) / 59, y)
        page.wait_for_timeout(8)
    page.mouse.up()
    set_controls(page, psi=0.6, **{"class": "Sneaker", "mix-class": "Bag", "mix-weight": 0.5})
    assert requests[before:] == [], requests[before:]
    frames = sorted(page.evaluate("window.cganInstant.frames"))
    median, p95 = frames[len(frames) // 2], frames[int(0.95 * (len(frames) - 1))]
    print(f"\ninstant frames while dragging: {len(frames)}, median {median:.1f} ms, p95 {p95:.1f} ms")
    assert len(frames) >= 10 and median < 250  # loose: the target is shown by bench/instant_frames.py
    set_controls(page, seed=42)  # a new seed asks the server once, for its latent
    asked = len(requests) - before
    assert asked >= 1
    set_controls(page, seed=0)  # a seed seen before asks nothing
    assert len(requests) - before == asked
