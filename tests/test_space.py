"""`python -m cgan.push ... --space`: a Gradio Space that serves the pushed weights, against the Hub stand-in."""
import re

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image

from cgan import push
from bench.local_server import AppServer
from cgan.export import load_export
from cgan.sampling import generate, to_uint8
from conftest import ARTIFACTS
from conftest import HUB_TOKEN as TOKEN




def front_matter(readme: bytes) -> dict[str, str]:
    block = re.match(r"^---\n(.*?)\n---\n", readme.decode(), re.S)
    assert block, "the Space README must open with YAML front matter"
    return dict(re.findall(r"^(\w+): (.+)$", block[1], re.M))


def test_space_push_writes_what_a_space_runs(hub, export, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert push.main([str(export), "tester/model", "--space", "tester/demo", "--hardware", "cpu-basic"]) == 0
    assert "tester/demo" in capsys.readouterr().out
    space = hub.state.repos["spaces/tester/demo"]
    files = space.files()
    assert {"app.py", "requirements.txt", "README.md", "cgan/__init__.py", "cgan/explorer/build.py",
            "cgan/explorer/web/instant.html"} <= set(files)
    assert not [p for p in files if "__pycache__" in p or p.endswith(".pyc")]
    meta = front_matter(files["README.md"])
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and meta["license"] == "mit"
    assert re.fullmatch(r"\d+\.\d+\.\d+", meta["sdk_version"])
    assert "models:\n- tester/model" in files["README.md"].decode()
    assert b"torch==" in files["requirements.txt"] and b"gradio==" in files["requirements.txt"]
    assert space.variables["CGAN_WEIGHTS"]["value"] == "tester/model"
    assert space.hardware == ["cpu-basic"] and space.sdk == "gradio"


def test_space_push_again_updates_in_place_and_drops_stale_files(hub, export, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert push.main([str(export), "tester/model", "--space", "tester/demo"]) == 0
    space = hub.state.repos["spaces/tester/demo"]
    space.files()["cgan/removed_module.py"] = b"print('stale')\n"  # what an older version of cgan had
    first = dict(space.files())
    assert push.main([str(export), "tester/model", "--space", "tester/demo"]) == 0
    second = space.files()
    assert "cgan/removed_module.py" not in second
    assert set(second) == set(first) - {"cgan/removed_module.py"}
    assert len([k for k in hub.state.repos if k.endswith("tester/demo")]) == 1


def test_a_hub_error_is_two_lines_and_changes_nothing_locally(hub, export, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    before = {p.name: p.read_bytes() for p in export.iterdir()}
    hub.state.fail_with = 503
    assert push.main([str(export), "tester/model", "--space", "tester/demo"]) == 1
    err = capsys.readouterr().err
    assert "error: push to the Hub failed" in err and "Traceback" not in err and TOKEN not in err
    assert {p.name: p.read_bytes() for p in export.iterdir()} == before


def test_a_space_error_says_the_model_is_pushed(hub, export, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr("cgan.export.space.APP_FILES", ["app.py", "no-such-file.txt"])
    assert push.main([str(export), "tester/model", "--space", "tester/demo"]) == 1
    err = capsys.readouterr().err
    assert "the Space push failed" in err and "no-such-file.txt" in err and "Traceback" not in err
    assert "config.json" in hub.state.repos["tester/model"].files()


def test_bad_ids_and_hardware_without_space_are_refused(export, capsys):
    for argv in ([str(export), "tester/model", "--space", "nouser"], [str(export), "tester/model", "--hardware", "t4"]):
        with pytest.raises(SystemExit) as stop:
            push.main(argv)
        assert stop.value.code == 2


def test_app_started_from_the_pushed_files_serves_the_pushed_weights(hub, export, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert push.main([str(export), "tester/model", "--space", "tester/demo"]) == 0
    space = hub.state.repos["spaces/tester/demo"]
    checkout = tmp_path / "space"
    for path, content in space.files().items():
        (checkout / path).parent.mkdir(parents=True, exist_ok=True)
        (checkout / path).write_bytes(content)
    env = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "space-hf-home"),
           "CGAN_WEIGHTS": space.variables["CGAN_WEIGHTS"]["value"], "HF_TOKEN": ""}
    ARTIFACTS.mkdir(exist_ok=True)
    server = AppServer(None, log_path=ARTIFACTS / "space-app.log", extra_env=env, root=checkout)
    try:
        server.wait()
        path, _ = Client(server.url, verbose=False).predict(class_name="Dress", seed=7, api_name="/generate")
        served = np.asarray(Image.open(path).convert("L"))
    finally:
        server.stop()
    expected = to_uint8(generate(load_export(export), [3], [7]))[0]  # (28, 28)
    scale = served.shape[0] // expected.shape[0]
    assert scale > 1 and np.abs(served[::scale, ::scale].astype(int) - expected.astype(int)).max() <= 1
