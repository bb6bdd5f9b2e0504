"""`pip install .`: the wheel carries the package and the app's web files, with requirements.txt's pins."""
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

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
    assert {"cgan/training/loop.py", "cgan/explorer/web/instant.html", "cgan/explorer/web/style.css"} <= names
    assert any(n.endswith(".wasm") for n in names) and not any("__pycache__" in n or n.startswith("tests/") for n in names)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True)
    probe = ("import cgan, cgan.explorer.assets as a, cgan.explorer.instant as i; "
             "assert cgan.__file__.startswith(%r); print(len(a.read('style.css')), i.VENDOR.is_dir())" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"),
                         "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    size, vendor = out.stdout.split()
    assert int(size) > 100 and vendor == "True"
