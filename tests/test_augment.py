"""DiffAugment (cgan/training/augment.py): translation and cutout, differentiable, per image, and a run with it."""
import torch

from cgan.training.augment import CUTOUT, cutout, diff_augment, translate
from conftest import make_trainer


def test_translation_moves_each_image_by_at_most_an_eighth_and_fills_with_zero():
    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 10:18, 10:18] = 1.0  # a bright square in the middle
    moved = translate(image.expand(64, -1, -1, -1).contiguous(), torch.Generator().manual_seed(1))
    assert moved.shape == (64, 1, 28, 28)
    assert torch.all(moved.flatten(1).sum(1) == 64)  # the square is never pushed out: all of it stays
    centres = [torch.nonzero(m[0]).float().mean(0) for m in moved]
    shifts = torch.stack(centres) - torch.tensor([13.5, 13.5])
    assert shifts.abs().max() <= round(28 * 0.125) and len({tuple(c.tolist()) for c in centres}) > 5  # each its own


def test_cutout_blanks_a_square_of_half_the_side_and_gradients_flow():
    images = torch.ones(16, 1, 28, 28, requires_grad=True)
    out = cutout(images, torch.Generator().manual_seed(2))
    blanked = (out == 0).flatten(1).sum(1)
    side = int(28 * CUTOUT + 0.5)
    assert torch.all(blanked <= side * side) and torch.all(blanked > 0)
    diff_augment(images * 2 - 1, torch.Generator().manual_seed(3)).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_a_run_with_diffaugment_trains_and_exports(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=3, diffaugment=True)
    export = trainer.fit()
    assert (export / "model.safetensors").is_file()
    assert trainer.resolved()["train"]["diffaugment"] is True
