"""Can the GAN's discriminator design see what the two-sample detector sees?

Trains a fresh discriminator of a weights folder's design (its config.json, with --variant overrides) as a
detector: on fixed halves of the real test images and of the generator's samples, each with its class label,
with the detector's recipe (Adam 3e-4, batches of 64, binary cross-entropy on its logit, a tenth held out to stop
once that accuracy has not risen for 6 epochs after at least 20, at most 40), scored on the other halves. If the
design, trained to convergence, tells the samples from real images about as well as the detector does, the cue is
within its reach and the online game is what keeps it from G; if not, the design cannot see it.

    python experiments/discriminator_as_detector.py weights --variant shipped: --variant plain:d_norm=none

--detector-shape trains the detector's own network (the evaluation network's layers with one logit, no class
input) the same way, with its BatchNorm layers, without them ("plain") or with a per-image norm in their place
("layernorm"), to see which of its parts a discriminator lacks.
"""
import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cgan.config import ModelConfig  # noqa: E402
from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation.classifier import Classifier, as_input  # noqa: E402
from cgan.evaluation.detector import BATCH_SIZE, LR, MAX_EPOCHS, MIN_EPOCHS, PATIENCE, split_halves  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.models import build_discriminator, one_hot  # noqa: E402
from cgan.sampling import generate_dataset  # noqa: E402


def parse_variant(text: str) -> tuple[str, dict]:
    """'NAME:field=value,field=value' -> (NAME, overrides); values are int when they look like one."""
    name, _, rest = text.partition(":")
    overrides = {}
    for pair in filter(None, rest.split(",")):
        key, value = pair.split("=", 1)
        overrides[key] = int(value) if value.lstrip("-").isdigit() else value
    return name, overrides


NORMS = {"batchnorm": None,  # the detector as it is
         "plain": lambda channels: nn.Identity(),
         "layernorm": lambda channels: nn.GroupNorm(1, channels)}  # per image, over channels and positions


class DetectorShaped(nn.Module):
    """The evaluation network's layers with one logit, its BatchNorm kept or replaced (NORMS). Takes (images,
    condition) like a discriminator and ignores the condition, as the detector does."""

    def __init__(self, channels: int, image_size: int, norm: str):
        super().__init__()
        net = Classifier(channels=channels, image_size=image_size, num_classes=1)
        if NORMS[norm] is not None:
            net.body = nn.Sequential(*(NORMS[norm](m.num_features) if isinstance(m, nn.BatchNorm2d) else m
                                       for m in net.body))
        self.net = net

    def forward(self, images: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.net(images).squeeze(1)


def accuracy(model, x, c, y) -> float:
    model.eval()
    with torch.inference_mode():
        logits = torch.cat([model(x[s:s + 1000], c[s:s + 1000]) for s in range(0, len(x), 1000)])
    model.train()
    return ((logits > 0).long() == y).float().mean().item()


def fit_and_score(build, x, c, y, train, held, test, seed: int) -> tuple[float, int]:
    """The detector's recipe on the network build() makes; its held-out accuracy on `test` and the best epoch."""
    torch.manual_seed(seed)
    model = build()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    rng = torch.Generator().manual_seed(seed)
    best, best_state, best_epoch = -1.0, None, 0
    for epoch in range(1, MAX_EPOCHS + 1):
        order = train[torch.randperm(len(train), generator=rng)]
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            loss = F.binary_cross_entropy_with_logits(model(x[idx], c[idx]), y[idx].float())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        score = accuracy(model, x[held], c[held], y[held])
        if score > best:
            best, best_state, best_epoch = score, copy.deepcopy(model.state_dict()), epoch
        elif epoch >= MIN_EPOCHS and epoch - best_epoch >= PATIENCE:
            break
    model.load_state_dict(best_state)
    return accuracy(model, x[test], c[test], y[test]), best_epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="export folder: its generator's samples and its discriminator design")
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME:field=value,... overrides of the design's config (repeatable); NAME: alone is "
                             "the design as it is")
    parser.add_argument("--detector-shape", action="append", default=[], choices=NORMS,
                        help="also train the detector's own network, with its BatchNorm, without it (plain) or "
                             "with a per-image norm in its place (layernorm); repeatable")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--seed", type=int, default=0, help="split and training seed")
    args = parser.parse_args()
    generator = load_generator(args.weights)
    test = load_dataset("fashion-mnist", train=False)
    real, real_labels = test.pixels(), test.labels.numpy()
    fake, fake_labels = generate_dataset(generator, per_class=args.per_class, progress=False)
    real_order, fake_order, train, held, test_idx = split_halves(len(real), len(fake), args.seed)
    count = len(real_order)
    x = as_input(np.concatenate([real[real_order], fake[fake_order]]))
    classes = torch.as_tensor(np.concatenate([real_labels[real_order], fake_labels[fake_order]])).long()
    c = one_hot(classes, generator.config.num_classes)
    y = torch.cat([torch.ones(count, dtype=torch.long), torch.zeros(count, dtype=torch.long)])  # real -> 1
    print(f"| discriminator design, trained as a detector (seed {args.seed}) | held-out accuracy | best epoch | "
          "seconds |")
    print("|---|---|---|---|")
    runs = []
    for text in args.variant or ([] if args.detector_shape else ["shipped:"]):
        name, overrides = parse_variant(text)
        config = ModelConfig.from_dict({**generator.config.to_dict(), **overrides})
        runs.append((f"{name} {overrides or ''}", lambda config=config: build_discriminator(config)))
    for shape in args.detector_shape:
        size, channels = generator.config.image_size, generator.config.channels
        runs.append((f"the detector's network, {shape}",
                     lambda shape=shape: DetectorShaped(channels, size, shape)))
    for name, build in runs:
        started = time.perf_counter()
        score, epoch = fit_and_score(build, x, c, y, train, held, test_idx, args.seed)
        print(f"| {name} | {score:.3f} | {epoch} | {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
