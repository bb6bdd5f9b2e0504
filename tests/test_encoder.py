"""The encoder (cgan/explorer/encoder.py): trained for one generator, saved with that generator's weight digest, never
used beside other weights, and a projection's start when the generator has one."""
import shutil
import subprocess
import sys

import numpy as np
import torch

from cgan.export import load_export
from cgan.explorer.encoder import LATENT_LIMIT, fit_encoder, load_encoder, save_encoder
from cgan.explorer.projection import ENCODED_STEPS, Projector
from cgan.sampling import latents_for_seeds, to_uint8
from conftest import ROOT


def test_an_encoder_is_trained_saved_and_loaded_for_its_generator_only(tiny_export, tmp_path, small_fashion):
    folder = tmp_path / "export"
    shutil.copytree(tiny_export, folder)
    generator = load_export(folder)
    encoder = fit_encoder(generator, small_fashion.images, small_fashion.labels, max_steps=3, batch_size=8,
                          progress=False)
    save_encoder(encoder, generator, folder)
    loaded, why = load_encoder(folder, generator)
    assert why == "" and loaded is not None
    images = torch.rand(2, 1, 28, 28) * 2 - 1
    z = loaded(images, torch.tensor([0, 3]))
    assert z.shape == (2, generator.config.z_dim) and z.abs().max() <= LATENT_LIMIT
    assert torch.equal(z, encoder(images, torch.tensor([0, 3])))
    with torch.no_grad():  # other weights: the encoder is stale and not used
        next(generator.parameters()).add_(0.01)
    assert load_encoder(folder, generator) == (None, "the encoder was trained for other generator weights")
    (folder / "encoder.safetensors").write_bytes(b"not weights")
    assert load_encoder(folder, load_export(tiny_export))[0] is None
    assert load_encoder(tiny_export, load_export(tiny_export)) == (None, "no encoder beside the generator")


class ExactEncoder(torch.nn.Module):
    """An encoder that knows the answer: the latent the target was drawn from."""

    def __init__(self, z):
        super().__init__()
        self.z = z

    def forward(self, images, classes):
        return self.z[None].expand(len(images), -1)


def test_a_projection_starts_from_the_encoders_answer_and_refines_briefly(tiny_export):
    generator = load_export(tiny_export)
    z = latents_for_seeds([123_456], generator.config.z_dim)[0] * 0.9
    with torch.no_grad():
        target = to_uint8(generator(z[None], torch.nn.functional.one_hot(torch.tensor([3]), 10).float()))[0]
    plain = Projector(generator).project(target, 3, steps=2)
    hybrid = Projector(generator, encoder=ExactEncoder(z)).project(target, 3)
    assert hybrid.steps <= ENCODED_STEPS
    assert hybrid.pixel_mse < plain.pixel_mse and hybrid.pixel_mse < 1e-3  # it started at the answer
    assert np.abs(hybrid.reconstruction.astype(int) - target.astype(int)).mean() < 5


def test_the_command_trains_saves_and_measures(tiny_export, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(tiny_export, folder)
    run = subprocess.run([sys.executable, "-m", "cgan.train_encoder", "--weights", str(folder), "--minutes", "0.05",
                          "--measure", "3"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (folder / "encoder.safetensors").is_file() and (folder / "encoder.json").is_file()
    for figure in ("encoder alone: mean pixel MSE", "encoder + refinement: median pixel MSE",
                   "without the encoder: median seconds", "best of 1000 seeds: median pixel MSE",
                   "encoder alone: share better than the best of 1000 seeds"):
        assert figure in run.stdout, run.stdout
    assert (folder / "encoder.onnx").is_file()
    bad = subprocess.run([sys.executable, "-m", "cgan.train_encoder", "--weights", str(folder), "--minutes", "0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--minutes" in bad.stderr and "Traceback" not in bad.stderr


def test_train_py_trains_the_encoder_into_its_export(tmp_path):
    run = subprocess.run([sys.executable, "train.py", "--out-dir", str(tmp_path / "run"), "--max-steps", "2",
                          "--batch-size", "8", "--no-onnx", "--encoder-minutes", "0.02"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    export = tmp_path / "run" / "export"
    generator = load_export(export)
    encoder, why = load_encoder(export, generator)
    assert encoder is not None, why
    assert "trained its encoder" in run.stdout


def test_a_projection_from_the_encoder_shares_its_time_with_those_waiting():
    from cgan.explorer.projection import ENCODED_TIME_LIMIT, MIN_SHARED_LIMIT, shared_limit

    assert shared_limit(0) == ENCODED_TIME_LIMIT and shared_limit(-3) == ENCODED_TIME_LIMIT
    assert shared_limit(1) == ENCODED_TIME_LIMIT / 2
    assert shared_limit(7) == MIN_SHARED_LIMIT  # 8 in the queue: each gets the floor, the queue drains in ~1 s
