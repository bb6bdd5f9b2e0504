"""What the app serves, loaded: the generator with its evaluation network, and the memorisation index built in the
background."""
from __future__ import annotations

import sys
import threading

from cgan.evaluation.classifier import evaluator_for
from cgan.evaluation.nearest import index_for_evaluator
from cgan.explorer.controls import DIRECTIONS
from cgan.explorer.encoder import load_encoder
from cgan.explorer.inference import Explorer
from cgan.export import load_generator


class LazyIndex:
    """The memorisation index, built in a background thread at start-up (features of the whole training set)."""

    def __init__(self, build):
        self.index, self.error = None, None
        self._thread = threading.Thread(target=self._run, args=(build,), daemon=True)
        self._thread.start()

    def _run(self, build):
        try:
            self.index = build()
        except Exception as e:  # reported in the panel; the rest of the app works without it
            self.error = str(e) or type(e).__name__

    def get(self, timeout: float = 180.0):
        """The index, waiting for it to be built; None (with .error set) when it cannot be had."""
        self._thread.join(timeout)
        if self.index is None and self.error is None:
            self.error = "the training-set index is still being built; try again in a minute"
        return self.index


def load_served(weights: str, device, *, nearest: bool = True) -> tuple[Explorer, LazyIndex | None]:
    """The generator (folder or Hub repo) with, when one fits, the evaluation network beside it or the shipped one
    (found and read once), and the memorisation check's index over that network's training set, built in the
    background (None without `nearest`, or when no evaluation network fits these classes)."""
    generator = load_generator(weights, device=device)
    classifier, evaluator_folder = evaluator_for(generator.source_folder, generator.config.class_names)
    encoder, why = load_encoder(generator.source_folder, generator)
    if encoder is None and why != "no encoder beside the generator":
        print(f"note: projections start without the encoder: {why}", file=sys.stderr)
    explorer = Explorer.create(generator, sliders=len(DIRECTIONS), classifier=classifier, encoder=encoder)
    if not nearest or evaluator_folder is None:
        return explorer, None
    return explorer, LazyIndex(lambda: index_for_evaluator(evaluator_folder))


def load_explorer(weights: str, device) -> Explorer:
    """load_served without the memorisation index."""
    return load_served(weights, device, nearest=False)[0]
