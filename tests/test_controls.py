"""The Generate tab's controls are defined once (cgan/explorer/controls.py): a line added to the table shows up in
the tab, the API endpoints' signatures, the page URL and the page scripts, with nothing else edited."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

from cgan.explorer.controls import CONTROLS, DETAILS, GRID, page_table

ROOT = Path(__file__).resolve().parent.parent

# Run inside a scratch copy of the package whose table has one more line: a ninth direction slider.
PROBE = r"""
import json, sys
from types import SimpleNamespace
import torch
from cgan.explorer.build import build_app
from cgan.explorer import generate_view
from cgan.explorer.endpoints import Endpoints
from cgan.explorer.loading import load_explorer

explorer = load_explorer(sys.argv[1], torch.device("cpu"))
demo = build_app(explorer, "CPU")
api = demo.get_api_info()["named_endpoints"]
endpoints = Endpoints(explorer, nearest=None, gif_dir=__import__("pathlib").Path(sys.argv[2]))
restored = endpoints.restore(SimpleNamespace(query_params={"s8": "1.5", "seed": "4"}))
request = {c["name"]: c["default"] for c in json.loads(__import__("cgan.explorer.controls", fromlist=["x"]).page_table())}
request.update(class_name=explorer.class_names[0], seed=1, direction_8=2.0)
print(json.dumps({
    "elem_ids": [c.get("props", {}).get("elem_id") for c in demo.config["components"]],
    "parameters": {name: [p["parameter_name"] for p in api[name]["parameters"]] for name in ("/generate", "/nearest", "/class_grid")},
    "restored": [value for value in restored[:-1]],
    "change_js": generate_view.CHANGE_JS, "script": generate_view.SCRIPT,
    "view": sorted(endpoints.view(request)),
}))
"""


def test_the_table_feeds_every_subset_in_its_own_order():
    names = [control.name for control in CONTROLS]
    assert names[:6] == ["class_name", "seed", "side", "truncation", "mix_class", "mix_weight"]
    assert names[6:14] == [f"direction_{i}" for i in range(8)] and names[-1] == "latent"
    assert [c.name for c in DETAILS] == [n for n in names if n != "side"]
    assert [c.name for c in GRID] == ["seed", "truncation", *names[6:14], "latent"]
    assert [c["url"] for c in json.loads(page_table()) if c["url"]] == ["class", "seed", "psi", *[f"s{i}" for i in range(8)], "z"]


def test_a_control_added_to_the_table_is_in_the_tab_the_api_the_url_and_the_page_script(tmp_path, tiny_export):
    scratch = tmp_path / "scratch"
    shutil.copytree(ROOT / "cgan", scratch / "cgan", ignore=shutil.ignore_patterns("__pycache__"))
    table = scratch / "cgan" / "explorer" / "controls.py"
    text = table.read_text()
    last = "    _direction(4), _direction(5), _direction(6), _direction(7),\n"
    assert last in text
    table.write_text(text.replace(last, last + "    _direction(8),\n"))
    run = subprocess.run([sys.executable, "-c", PROBE, str(tiny_export), str(tmp_path)], cwd=scratch,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "slider-8" in found["elem_ids"]  # the tab
    for endpoint, parameters in found["parameters"].items():  # the API's signatures
        assert parameters[-2:] == ["direction_8", "latent"], (endpoint, parameters)
    assert found["parameters"]["/generate"][:6] == ["class_name", "seed", "side", "truncation", "mix_class", "mix_weight"]
    assert found["restored"][2:] == [1.0] + [0.0] * 8 + [1.5, ""]  # the URL: s8 read back, beside the others
    assert found["restored"][1] == 4
    assert '"url": "s8"' in found["change_js"] and '"elem_id": "slider-8"' in found["script"]  # the page scripts
    assert "rgba" in found["view"]  # the live path takes the new value by name
