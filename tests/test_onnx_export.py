"""model.onnx: the browser's copy of the generator computes what torch computes."""
import numpy as np
import onnxruntime
import pytest
import torch

from cgan.config import PRESETS, ModelConfig
from cgan.models import build_generator
from cgan.export.browser_model import ONNX_NAME, CroppedGenerator, ensure_onnx, export_onnx


def preset_generator(arch: str, **overrides) -> torch.nn.Module:
    fields = {**PRESETS[arch]["model"], **overrides}
    image_size = 32 if arch == "reference" else 28
    config = ModelConfig(class_names=[f"c{i}" for i in range(10)], image_size=image_size, native_size=28, **fields)
    torch.manual_seed(0)
    generator = build_generator(config)
    for module in generator.modules():  # non-trivial BatchNorm statistics, as after training
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return generator.eval()


@pytest.mark.slow
@pytest.mark.parametrize("arch, overrides", [(arch, {}) for arch in sorted(PRESETS)]
                         + [("fast", {"g_output": "full-range"}), ("fast", {"g_output": "full-range-clipped"})])
def test_onnx_output_equals_torch(tmp_path, arch, overrides):
    generator = preset_generator(arch, **overrides)
    path = export_onnx(generator, tmp_path / ONNX_NAME)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    z = torch.randn(5, generator.config.z_dim, generator=torch.Generator().manual_seed(1))
    condition = torch.eye(10)[[0, 3, 9, 1, 1]]
    condition[4] = 0.3 * torch.eye(10)[2] + 0.7 * torch.eye(10)[8]  # class mixing
    images = session.run(None, {"z": z.numpy(), "condition": condition.numpy()})[0]
    with torch.no_grad():
        expected = CroppedGenerator(generator)(z, condition).numpy()
    assert images.shape == (5, 1, 28, 28)
    assert np.abs(images - expected).max() <= 1e-4
    assert not list(tmp_path.glob("*.data"))  # one self-contained file


def test_ensure_onnx_uses_the_export_folders_file_or_builds_one_in_the_cache(tmp_path, monkeypatch, tiny_export):
    from cgan.export import load_generator

    monkeypatch.setenv("CGAN_CACHE", str(tmp_path / "cache"))
    generator = load_generator(tiny_export)
    assert ensure_onnx(generator, tiny_export) == (tiny_export / ONNX_NAME, "")  # written by the training run
    bare = tmp_path / "bare"
    bare.mkdir()
    path, why = ensure_onnx(generator, bare)
    assert why == "" and path.is_file() and path.is_relative_to(tmp_path / "cache") and not (bare / ONNX_NAME).exists()
    assert ensure_onnx(generator, bare)[0] == path  # built once
