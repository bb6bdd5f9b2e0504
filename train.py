"""Train a class-conditional GAN and export its EMA generator (optionally pushing it to the Hub).

    python train.py                                  # default preset on Fashion-MNIST
    python train.py --arch reference --max-minutes 60
    python train.py --max-minutes 60 --encoder-minutes 10   # then its encoder, for drawing in the app
    torchrun --nproc_per_node 2 train.py --max-steps 100
"""
from __future__ import annotations

import sys

from cgan.console import fail
from cgan.data import DataNotFoundError, load_dataset
from cgan.devices import pick_device
from cgan.export import WeightsError, load_export
from cgan.export.hub import check_repo_id, check_revision, push_or_explain
from cgan.plot import plot_run
from cgan.train_encoder import train_beside
from cgan.training.distributed import from_environment, init_process_group, shutdown
from cgan.training.flags import parse_config
from cgan.training.loop import Trainer
from cgan.training.trackers import attach_tracker
from cgan.training.run_folder import DiskError, RunExistsError


def push_every_epochs(trainer: Trainer, epoch: int) -> None:
    """The epoch_end hook of --push-every: export and push every N epochs (rank 0 only)."""
    config = trainer.config
    if epoch % config.push_every or not trainer.info.is_main:
        return
    folder = trainer.export(trainer.export_dir)
    push_or_explain(folder, config.push_to_hub, private=config.hub_private, revision=config.hub_revision)


def draw_curves(run: str) -> None:
    """RUN/curves.png at the end of a run; a missing matplotlib is a note, not a failure."""
    try:
        print(f"training curves: {plot_run(run)}")
    except ImportError:
        print("note: curves.png not drawn; pip install matplotlib, then: python -m cgan.plot " + run, file=sys.stderr)


def train_encoder(export_dir, config) -> None:
    """--encoder-minutes: the encoder for the exported generator, saved into the export (pushed with it)."""
    try:
        generator = load_export(export_dir)
        train = load_dataset(config.dataset, data_dir=config.data_dir, train=True, image_column=config.image_column,
                             label_column=config.label_column, image_size=config.image_size)
        train_beside(generator, train, config.encoder_minutes, seed=config.seed)
    except (DataNotFoundError, WeightsError, ValueError) as e:
        fail(f"the generator is exported, but its encoder was not trained: {e}", code=2)
    print(f"trained its encoder for {config.encoder_minutes:g} minutes into {export_dir}")


def main(argv=None) -> int:
    config = parse_config(argv, description=__doc__.split("\n")[0])
    try:  # before any training: a run that cannot be pushed at its end is refused now
        if config.push_to_hub:
            check_repo_id(config.push_to_hub, "--push-to-hub")
        check_revision(config.hub_revision)
    except ValueError as e:
        fail(str(e), code=2)
    info = from_environment()
    try:
        device = pick_device(config.device, local_rank=info.local_rank)
        init_process_group(info, device)
        trainer = Trainer(config, device, info)
        if config.push_to_hub and config.push_every:
            trainer.on("epoch_end", push_every_epochs)
        tracker = attach_tracker(trainer, config.tracker)
        try:
            export_dir = trainer.fit()
        finally:
            if tracker is not None:
                tracker.close()
    except (DataNotFoundError, RunExistsError, WeightsError, ValueError, ImportError) as e:
        fail(str(e), code=2)
    except DiskError as e:
        fail(str(e), code=1)
    except KeyboardInterrupt:
        fail("interrupted; the newest checkpoint is kept, continue with --resume", code=130)
    finally:
        shutdown(info)
    if info.is_main:
        print(f"exported the EMA generator to {export_dir}")
        draw_curves(config.out_dir)
        if config.encoder_minutes:
            train_encoder(export_dir, config)
        if config.push_to_hub:
            return push_or_explain(export_dir, config.push_to_hub, private=config.hub_private,
                                   revision=config.hub_revision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
