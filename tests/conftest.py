"""Shared fixtures: tiny configurations that train in seconds on CPU, and the local Hub stand-in."""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Tests never download anything: no torchvision dataset downloads, no Hub traffic but the stand-in's.
os.environ["CGAN_NO_DOWNLOAD"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def load_experiment(name: str):
    """A script of experiments/ as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = ["--g-dim", "8", "--d-dim", "8", "--z-dim", "16", "--batch-size", "16", "--bn-recalibration-batches", "2",
        "--log-every", "1", "--no-onnx"]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: real training, browser or load tests (still run in CI)")


@pytest.fixture(scope="session")
def fashion():
    """The Fashion-MNIST training split, loaded once."""
    from cgan.data import load_dataset

    return load_dataset("fashion-mnist")


@pytest.fixture(scope="session")
def small_fashion(fashion):
    """2,000 Fashion-MNIST images: enough for a few steps, fast to move around."""
    from cgan.data import Dataset

    return Dataset(fashion.images[:2000].clone(), fashion.labels[:2000].clone(), fashion.class_names)


def tiny_config(out_dir, **overrides):
    from cgan.config import TrainConfig

    fields = dict(g_dim=8, d_dim=8, z_dim=16, batch_size=16, batch_ramp=1, bn_recalibration_batches=2, log_every=1,
                  checkpoint_every=1000, out_dir=str(out_dir), no_onnx=True)
    fields.update(overrides)
    config = TrainConfig(**fields)
    config.validate()
    return config


def make_trainer(out_dir, dataset, **overrides):
    from cgan.training.distributed import Distributed
    from cgan.training.loop import Trainer

    torch.set_num_threads(max(1, torch.get_num_threads()))
    return Trainer(tiny_config(out_dir, **overrides), torch.device("cpu"), Distributed(), dataset=dataset)


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory, small_fashion):
    """A generator trained for a few steps and exported: config.json, model.safetensors, samples.png, model.onnx and
    the discriminator."""
    out = tmp_path_factory.mktemp("tiny-run")
    trainer = make_trainer(out / "run", small_fashion, max_steps=6, no_onnx=False)  # with model.onnx
    return trainer.fit()


HUB_TOKEN = "hf_TestSecretToken0123456789"  # what the Hub tests send; it must never appear in a file or a log


@pytest.fixture()
def export(tiny_export, tmp_path):
    """A private copy of the tiny export (a push writes the card into it)."""
    folder = tmp_path / "export"
    shutil.copytree(tiny_export, folder)
    return folder


@pytest.fixture()
def hub(monkeypatch, tmp_path):
    """The local Hub stand-in on a free 127.0.0.1 port, with huggingface_hub pointed at it and a fresh cache."""
    from hub_stand_in import HubStandIn

    import huggingface_hub.constants as constants

    server = HubStandIn().start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", server.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "hf-home" / "stored_tokens"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    yield server
    server.stop()


ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def served_export(tiny_export, tmp_path_factory, small_fashion):
    """The tiny export with an encoder beside it (encoder.safetensors, .json and .onnx), as the app serves it."""
    from cgan.explorer.encoder import fit_encoder, save_encoder
    from cgan.export import load_export

    folder = tmp_path_factory.mktemp("served") / "export"
    shutil.copytree(tiny_export, folder)
    generator = load_export(folder)
    save_encoder(fit_encoder(generator, small_fashion.images, small_fashion.labels, max_steps=3, batch_size=8,
                             progress=False), generator, folder)
    return folder


@pytest.fixture(scope="session")
def app_url(served_export):
    """app.py serving the tiny generator and its encoder on a free port (one server for the whole session)."""
    from bench.local_server import AppServer

    ARTIFACTS.mkdir(exist_ok=True)
    server = AppServer(served_export, log_path=ARTIFACTS / "app-server.log").wait()
    yield server.url
    server.stop()


# ---------------------------------------------------------------- the browser (Debian's chromium, Playwright)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, app_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    blocked = []

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.set_default_timeout(30_000)
    yield page
    context.close()
