"""`pip install .`: the wheel carries the package and the app's web files, with requirements.txt's pins, and works from a
fresh venv outside the checkout: sample, evaluate and the app."""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import numpy as np
from gradio_client import Client
from PIL import Image

from bench.local_server import AppServer
from conftest import ROOT


def pins(lines):
    return sorted(line.strip() for line in lines if re.match(r"^[A-Za-z0-9_.-]+==", line.strip()))


def test_pyproject_pins_are_requirements_txt():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert pins(project["dependencies"]) == pins((ROOT / "requirements.txt").read_text().splitlines())
    dev = pins((ROOT / "requirements-dev.txt").read_text().splitlines())
    extras = project["optional-dependencies"]
    assert pins(extras["hub-data"] + extras["trackers"]) == sorted(p for p in dev if p.split("==")[0] in
                                                                   ("datasets", "tensorboard", "trackio"))


def test_the_wheel_installs_and_serves_its_web_files(tmp_path):
    source = tmp_path / "source"  # a copy, so the build's own folders stay out of the checkout
    shutil.copytree(ROOT / "cgan", source / "cgan", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("cgan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"cgan/training/loop.py", "cgan/explorer/web/instant.html", "cgan/explorer/web/style.css",
            "cgan/explorer/web/sketch.js", "cgan/explorer/web/examples/t-shirt.png"} <= names
    assert any(n.endswith(".wasm") for n in names) and not any("__pycache__" in n or n.startswith("tests/") for n in names)
    # A fresh venv (the pinned dependencies from this environment's site-packages, cgan from the wheel alone),
    # used from a folder outside the checkout.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(tmp_path / "venv")], check=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": "", "HF_HUB_OFFLINE": "1"}

    def run(*args):
        out = subprocess.run([python, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    probe = ("import cgan, cgan.explorer.assets as a, cgan.explorer.instant as i; "
             "assert 'venv' in cgan.__file__, cgan.__file__; print(len(a.read('style.css')), i.VENDOR.is_dir())")
    size, vendor = run("-c", probe).split()
    assert int(size) > 100 and vendor == "True"
    weights = str(ROOT / "weights")
    run("-m", "cgan.sample", "--weights", weights, "--per-class", "2", "--out", "samples.npz")
    assert np.load(elsewhere / "samples.npz")["images"].shape == (20, 28, 28)
    run("-m", "cgan.evaluate", "--weights", weights, "--per-class", "10", "--no-gan-train", "--detector-seeds",
        "--out", "metrics.json")
    assert json.loads((elsewhere / "metrics.json").read_text())["fid"] > 0
    shutil.copy2(ROOT / "app.py", elsewhere / "app.py")  # as a Space holds it, beside no package source
    server = AppServer(weights, log_path=tmp_path / "app.log", root=elsewhere, python=python,
                       extra_env={"PYTHONPATH": ""}).wait(180)
    try:
        path, _ = Client(server.url, verbose=False).predict(class_name="Dress", seed=7, api_name="/generate")
        assert Image.open(path).size == (28 * 8, 28 * 8)
    finally:
        server.stop()
