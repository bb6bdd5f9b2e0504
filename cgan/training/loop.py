"""The training loop: one run's networks, optimisers and counters; `fit()` trains, checkpoints and exports.

Experiments extend a run through hooks (`trainer.on(event, fn)`), never by overriding its methods:
  "step"        fn(trainer)                after each optimisation step and EMA update
  "log"         fn(trainer, record)        after each log.jsonl line
  "checkpoint"  fn(trainer)                after each checkpoint is on disk
  "export"      fn(trainer, folder)        after each export of the EMA generator (snapshots and the final one)
  "epoch_end"   fn(trainer, epoch)         after each epoch's sample grid
"""
from __future__ import annotations

import copy
import json
import math
import platform
import time
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from cgan.config import ModelConfig, TrainConfig, resolve
from cgan.data import Dataset, load_dataset, to_float
from cgan.devices import describe
from cgan.export import save_export
from cgan.export.folder import save_weights
from cgan.export.browser_model import export_onnx
from cgan.export.names import DISCRIMINATOR_NAME, ONNX_NAME, SAMPLES_NAME
from cgan.export.replace_set import replacing
from cgan.files import write_json
from cgan.models import build_discriminator, build_generator, one_hot
from cgan.sampling import save_class_grid
from cgan.training import checkpoints
from cgan.training.distributed import Distributed
from cgan.training.ema import recalibrate_batchnorm, update_ema
from cgan.training.losses import discriminator_loss, generator_loss, gradient_penalty
from cgan.training.run_folder import (append_json_line, check_room, disk_error, lock_run_dir, prepare_run_dir,
                                      truncate_log)
from cgan.training.runtime import StepNetworks, arithmetic, discriminate, first_step
from cgan.training.schedules import ema_beta, lr_factor
from cgan.training.stop_signals import StopRequests

GRID_SEEDS = range(10)  # fixed latents of the per-epoch sample grids
STAT_NAMES = ("loss_d", "loss_g", "d_real", "d_fake")  # what train_step returns, in order
HOOKS = ("step", "log", "checkpoint", "export", "epoch_end")


def state_bytes(module: nn.Module) -> int:
    """What a module's state dict takes on disk."""
    return sum(t.numel() * t.element_size() for t in module.state_dict().values())


class Trainer:
    """Holds the networks, optimisers and counters of one run; `fit()` trains and exports."""

    def __init__(self, config: TrainConfig, device: torch.device, info: Distributed,
                 dataset: Dataset | None = None):
        self.config, self.device, self.info = config, device, info
        self.lock = lock_run_dir(Path(config.out_dir)) if info.is_main else None  # released when fit() ends
        self.resuming = prepare_run_dir(config, info)
        self.dataset = dataset or load_dataset(config.dataset, data_dir=config.data_dir, image_size=config.image_size,
                                               image_column=config.image_column, label_column=config.label_column)
        resolved, self.optim = resolve(config, class_names=self.dataset.class_names, channels=self.dataset.channels,
                                       native_size=self.dataset.size, device_type=device.type)
        self.model_config = checkpoints.choices_to_start_from(resolved, config, self.resuming)
        self.out_dir = Path(config.out_dir)
        self.export_dir = Path(config.export_dir) if config.export_dir else self.out_dir / "export"
        self.hooks: dict[str, list[Callable]] = {name: [] for name in HOOKS}

        torch.manual_seed(config.seed)  # same initial weights on every rank
        self.generator = build_generator(self.model_config).to(device)
        self.discriminator = build_discriminator(self.model_config).to(device)
        self.generator_ema = copy.deepcopy(self.generator).eval().requires_grad_(False)
        self.generator_ema.config = self.model_config
        betas = (self.optim["beta1"], self.optim["beta2"])
        # One fused kernel per optimiser step on CUDA; multi-tensor (foreach) kernels elsewhere.
        fused = dict(fused=True) if device.type == "cuda" else dict(foreach=True)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.optim["lr"], betas=betas, **fused)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=self.optim["lr_d"], betas=betas, **fused)
        self.noise_rng = torch.Generator(device=device).manual_seed(config.seed * 1000 + info.rank + 1)
        self.step, self.train_seconds = 0, 0.0
        self.synced_train_seconds = 0.0  # train_seconds as all ranks agree on it (refreshed at log steps)

        self.autocast, self.arithmetic = arithmetic(config.precision, device)
        self.bf16 = self.arithmetic != "fp32"
        self.networks = StepNetworks(
            self.generator, self.discriminator, device=device, info=info,
            compile=config.compile == "on" or (config.compile == "auto" and device.type == "cuda"),
            channels_last=device.type == "cuda" and self.model_config.arch != "paper")

        self.images, self.labels = self.dataset.images.to(device), self.dataset.labels.to(device)  # all of it, uint8
        self.batch_size = self.optim["batch_size"]
        self.global_batch = self.batch_size * info.world_size
        self.steps_per_epoch = len(self.dataset) // self.global_batch
        if self.steps_per_epoch == 0:
            raise ValueError(f"the dataset has {len(self.dataset)} images, fewer than one batch of {self.global_batch}")
        self.total_steps = config.epochs * self.steps_per_epoch
        if config.max_steps is not None:
            self.total_steps = min(self.total_steps, config.max_steps)
        self.label_weights = torch.bincount(self.dataset.labels, minlength=self.model_config.num_classes).float()
        if info.is_main:
            self._check_room()

        self.warmup_steps = config.d_warmup_images // self.global_batch
        self.started_from: dict[str, Any] = {}  # how the generator --init-from gave was trained
        if self.resuming:
            self._load(checkpoints.load_latest(self.out_dir, map_location=device))
        elif config.init_from:
            start, d_start, self.started_from = checkpoints.networks_to_start_from(config.init_from, self.model_config, device)
            self.generator.load_state_dict(start)
            self.generator_ema.load_state_dict(start)
            if d_start is not None:
                self.discriminator.load_state_dict(d_start)
            if info.is_main:
                print(f"starting from {config.init_from}: its generator, and "
                      + ("its discriminator" if d_start is not None else "a fresh discriminator (it has none of this design)"),
                      flush=True)

    @property
    def compiled(self) -> bool:
        return self.networks.compiled

    def on(self, event: str, fn: Callable) -> Callable:
        """Call fn at `event` (see the module docstring); returns fn."""
        if event not in self.hooks:
            raise ValueError(f"unknown hook {event!r}; choose one of {', '.join(HOOKS)}")
        self.hooks[event].append(fn)
        return fn

    def _emit(self, event: str, *args: Any) -> None:
        for fn in self.hooks[event]:
            fn(self, *args)

    # ------------------------------------------------------------ state

    def resolved(self) -> dict[str, Any]:
        """The full resolved configuration, printed and saved before the first step."""
        return {"train": self.config.to_dict(), "model": self.model_config.to_dict(), "optimizer": self.optim,
                "world_size": self.info.world_size, "effective_batch_size": self.global_batch,
                "steps_per_epoch": self.steps_per_epoch, "total_steps": self.total_steps,
                "device": str(self.device), "precision": self.arithmetic}

    def state(self) -> dict[str, Any]:
        return {"step": self.step, "train_seconds": self.train_seconds, **self._network_state(),
                "noise_rng": self.noise_rng.get_state(), "torch_rng": torch.get_rng_state(),
                "model_config": self.model_config.to_dict(), "started_from": self.started_from}

    def _network_state(self) -> dict[str, Any]:
        """Weights and optimiser moments: what one training step changes."""
        return {"generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
                "generator_ema": self.generator_ema.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()}

    def _load_networks(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.generator_ema.load_state_dict(state["generator_ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])

    def _load(self, state: dict[str, Any]) -> None:
        saved = ModelConfig.from_dict(state["model_config"]).to_dict()  # fields added since: their defaults
        if saved != self.model_config.to_dict():
            raise ValueError("--resume: the checkpoint was made with another model configuration; "
                             "resume with the same flags as the original run")
        self._load_networks(state)
        if self.info.rank == 0:
            self.noise_rng.set_state(state["noise_rng"].cpu())
        else:
            self.noise_rng.manual_seed(self.config.seed * 1000 + self.info.rank + 1 + state["step"] * 7919)
        torch.set_rng_state(state["torch_rng"].cpu())
        self.step, self.train_seconds = state["step"], state["train_seconds"]
        self.synced_train_seconds = self.train_seconds
        self.started_from = checkpoints.started_from(state, self.config.init_from)
        if self.info.is_main:
            truncate_log(self.out_dir / "log.jsonl", self.step)

    def _check_room(self) -> None:
        """Before step 0: OUT_DIR and the export folder are writable and hold a checkpoint and an export."""
        generator, discriminator = state_bytes(self.generator), state_bytes(self.discriminator)
        check_room(self.out_dir, 4 * generator + 3 * discriminator, "--out-dir")  # G, EMA, D and Adam's moments
        check_room(self.export_dir, 3 * generator, "the export folder")  # weights, model.onnx, their staging

    def checkpoint(self) -> None:
        if self.info.is_main:
            try:
                checkpoints.save_checkpoint(self.out_dir, self.step, self.state())
            except (OSError, RuntimeError) as e:  # torch reports a full disk as a RuntimeError
                newest = checkpoints.list_checkpoints(self.out_dir)
                kept = (f"the newest good checkpoint is {newest[-1]}; free space, then continue with --resume"
                        if newest else "no checkpoint is kept yet")
                raise disk_error(e, f"the checkpoint of step {self.step}", kept) from None
        self._emit("checkpoint")

    # ------------------------------------------------------------ data

    def _permutation(self, epoch: int) -> torch.Tensor:
        """Data order of one epoch: a function of (seed, epoch), so resuming mid-epoch needs no state."""
        rng = torch.Generator().manual_seed(self.config.seed * 100_003 + epoch)
        return torch.randperm(len(self.dataset), generator=rng).to(self.device)

    def batch(self, step: int, cache: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's real images (float, [-1, 1]) and labels at `step`; `cache` keeps the epoch's order."""
        epoch, index = divmod(step, self.steps_per_epoch)
        if cache.get("epoch") != epoch:
            cache.update(epoch=epoch, perm=self._permutation(epoch))
        start = index * self.global_batch + self.info.rank * self.batch_size  # this rank's shard
        idx = cache["perm"][start:start + self.batch_size]
        images = to_float(self.images[idx], self.model_config.image_size)
        if self.networks.channels_last and images.dim() == 4:
            images = images.contiguous(memory_format=torch.channels_last)
        return images, self.labels[idx]

    # ------------------------------------------------------------ one step

    def progress(self) -> float:
        """How far through its budget the run is, 0..1: steps, or training time under --max-minutes
        (whichever is further), so a timed run also ends with its learning rate decayed."""
        by_steps = self.step / max(self.total_steps, 1)
        if not self.config.max_minutes:
            return by_steps
        return max(by_steps, self.synced_train_seconds / (self.config.max_minutes * 60))

    def set_learning_rates(self) -> None:
        """Apply the schedule for the current step (plain floats: no device work)."""
        factor = lr_factor(self.optim["lr_decay"], round(self.progress() * 1_000_000), 1_000_000,
                           self.optim.get("lr_decay_start", 0.0))
        for optimizer, base in ((self.opt_g, self.optim["lr"]), (self.opt_d, self.optim["lr_d"])):
            for group in optimizer.param_groups:
                group["lr"] = base * factor

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """One discriminator and one generator update on a batch.

        Returns (loss_d, loss_g, d_real, d_fake) as one detached device tensor, so the step never
        waits for the device; the loop reads it only at log steps.
        """
        optim, nets = self.optim, self.networks
        loss_kind, aux_weight, gamma = optim["loss"], optim["aux_weight"], optim["gamma"]
        penalise = gamma > 0 and self.step % optim["penalty_every"] == 0
        condition = one_hot(labels, self.model_config.num_classes)
        conditions = torch.cat([condition, condition])
        z = torch.randn(real.shape[0], self.model_config.z_dim, device=self.device, generator=self.noise_rng)
        warming_up = self.step < self.warmup_steps  # --d-warmup-images: D learns alone, G stays as it is
        with self.autocast(), torch.set_grad_enabled(not warming_up):
            fake = nets.g(z, condition)  # (B, C, H, W); reused for the G step after D is updated
        images = torch.cat([real, fake.detach()]).requires_grad_(penalise)
        with self.autocast():
            logits, classes = discriminate(nets.discriminator if penalise else nets.d, images, conditions, aux_weight)
            logits_real, logits_fake = logits.float().chunk(2)
            loss_d = discriminator_loss(loss_kind, logits_real, logits_fake)
            if aux_weight:  # AC-GAN: D learns the classes of the real images only
                loss_d = loss_d + aux_weight * F.cross_entropy(classes[:real.shape[0]].float(), labels.long())
        if penalise:  # R1 + R2 = twice the mean over both halves; lazily, so scaled by the interval
            loss_d = loss_d + gamma * optim["penalty_every"] * gradient_penalty(logits, images)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        if penalise:  # D ran outside DDP: average its gradients over the processes here
            self.info.average_gradients(self.discriminator)
        self.opt_d.step()
        if warming_up:
            return torch.stack([loss_d, loss_d.new_zeros(()), logits_real.mean(), logits_fake.mean()]).detach()

        self.discriminator.requires_grad_(False)
        with self.autocast():
            aux_g_weight = optim["aux_g_weight"]
            if self.model_config.d_norm == "batch":  # BatchNorm: D sees the fakes only beside the real half
                logits, classes = discriminate(nets.d_for_g, torch.cat([real, fake]), conditions, aux_g_weight)
                logits_real, logits = logits.chunk(2)
                classes = None if classes is None else classes[real.shape[0]:]
            else:
                logits, classes = discriminate(nets.d_for_g, fake, condition, aux_g_weight)
            # The relativistic loss pairs each fake with its real image's logit; without BatchNorm, the logit
            # from D's update just made: one optimiser step old, which saves a discriminator pass on the real half.
            loss_g = generator_loss(loss_kind, logits.float(), logits_real.float().detach())
            if aux_g_weight:
                loss_g = loss_g + aux_g_weight * F.cross_entropy(classes.float(), labels.long())
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.discriminator.requires_grad_(True)
        return torch.stack([loss_d, loss_g, logits_real.mean(), logits_fake.mean()]).detach()

    def first_step(self, real: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """This process's first step: compiles when compiling, falling back (and undoing the step) on failure."""
        def save():
            return copy.deepcopy(self._network_state()), self.noise_rng.get_state()

        def restore(saved):
            self._load_networks(saved[0])
            self.noise_rng.set_state(saved[1])

        return first_step(self.networks, self.train_step, real, labels, save=save, restore=restore,
                          announce=self.info.is_main)

    # ------------------------------------------------------------ exports

    def ready_ema(self) -> nn.Module:
        """The EMA generator with BatchNorm statistics recomputed for its weights."""
        recalibrate_batchnorm(self.generator_ema, batches=self.config.bn_recalibration_batches,
                              batch_size=self.batch_size, label_weights=self.label_weights,
                              seed=self.config.seed)
        return self.generator_ema

    def summary(self) -> dict[str, Any]:
        """What the export's config.json and model card say about the run."""
        return {"dataset": self.config.dataset, "steps": self.step, "images_seen": self.step * self.global_batch,
                "epochs": round(self.step / self.steps_per_epoch, 3), "train_seconds": round(self.train_seconds, 1),
                "hardware": f"{describe(self.device)} x {self.info.world_size}; {platform.processor() or platform.machine()}",
                "loss": self.optim["loss"], "optimizer": self.optim, "batch_size": self.batch_size,
                "precision": self.arithmetic, "effective_batch_size": self.global_batch,
                "ema_halflife_images": self.config.ema_halflife_images, "seed": self.config.seed, "torch": torch.__version__,
                **({"init_from": self.config.init_from, "started_from": self.started_from} if self.config.init_from else {})}

    def export(self, folder: Path, *, browser_model: bool = False) -> Path:
        """EMA generator -> config.json + model.safetensors + samples.png (+ model.onnx) in folder, as one set:
        a kill at any moment leaves the folder's old set or the new one (cgan.export.replace_set)."""
        generator = self.ready_ema()
        with replacing(folder) as staging:
            save_export(generator, staging, training=self.summary())
            save_weights(self.discriminator, staging / DISCRIMINATOR_NAME)  # for --init-from to train on with
            save_class_grid(generator, staging / SAMPLES_NAME, seeds=GRID_SEEDS)
            if browser_model:
                try:
                    export_onnx(generator, staging / ONNX_NAME)
                except ImportError as e:
                    print(f"note: {ONNX_NAME} not written ({e}); the app exports it when it starts, if it can",
                          flush=True)
        self._emit("export", folder)
        return folder

    def _agree_max(self, value: float) -> float:
        """The largest value over all ranks (so every process decays and stops alike)."""
        if not self.info.enabled:
            return value
        tensor = torch.tensor([float(value)], device=self.device, dtype=torch.float64)
        torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MAX)
        return float(tensor.item())

    # ------------------------------------------------------------ fit

    def _start(self) -> None:
        """Print and save the resolved configuration before the first step."""
        if self.info.is_main:
            (self.out_dir / "samples").mkdir(parents=True, exist_ok=True)
            resolved = self.resolved()
            print(json.dumps(resolved, indent=2), flush=True)
            write_json(self.out_dir / ("config.json" if not self.resuming else f"config-resume-{self.step}.json"),
                       resolved)

    def _log(self, window: dict[str, Any]) -> None:
        """One log.jsonl line with the mean statistics since the last one (the one device sync per line)."""
        rate = window["images"] / max(time.perf_counter() - window["start"], 1e-9)
        losses = dict(zip(STAT_NAMES, (window["stats"] / window["steps"]).tolist()))
        window.update(start=time.perf_counter(), images=0, steps=0)
        window["stats"].zero_()
        record = {"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 4),
                  "images_seen": self.step * self.global_batch, **{k: round(v, 5) for k, v in losses.items()},
                  "images_per_s": round(rate, 2), "lr": self.opt_g.param_groups[0]["lr"],
                  "train_seconds": round(self.train_seconds, 2)}
        if not all(math.isfinite(v) for v in losses.values()):
            raise FloatingPointError(f"non-finite loss at step {self.step}: {losses}")
        window["bar"].set_postfix(loss_d=f"{losses['loss_d']:.3f}", loss_g=f"{losses['loss_g']:.3f}", img_s=f"{rate:.0f}")
        if self.info.is_main:
            append_json_line(self.out_dir / "log.jsonl", record)
        self._emit("log", record)

    def _end_epoch(self) -> None:
        """The epoch's sample grid (its time counts as training time), then the epoch hooks."""
        tick = time.perf_counter()
        epoch = self.step // self.steps_per_epoch
        if self.info.is_main:
            save_class_grid(self.ready_ema(), self.out_dir / "samples" / f"epoch-{epoch:03d}.png", seeds=GRID_SEEDS)
        self.train_seconds += time.perf_counter() - tick
        self._emit("epoch_end", epoch)

    def _out_of_time(self) -> bool:
        """At log steps of a --max-minutes run: has the slowest rank used the budget?"""
        if not (self.config.max_minutes and self.step % self.config.log_every == 0):
            return False
        self.synced_train_seconds = self._agree_max(self.train_seconds)
        return self.synced_train_seconds >= self.config.max_minutes * 60

    def fit(self) -> Path:
        """Train to the step budget (or time budget), checkpointing; export the EMA generator at the end.
        The run folder's lock is released when fit ends, however it ends."""
        try:
            return self._fit()
        finally:
            if self.lock is not None:
                self.lock.close()
                self.lock = None

    def _fit(self) -> Path:
        config, info = self.config, self.info
        self._start()
        cache: dict = {}
        snapshot_every = config.snapshot_every_images
        bar = tqdm(total=self.total_steps, initial=self.step, disable=not info.is_main, unit="step",
                   dynamic_ncols=True, desc=f"{self.model_config.arch}")
        window = {"start": time.perf_counter(), "images": 0, "steps": 0, "bar": bar,
                  "stats": torch.zeros(len(STAT_NAMES), device=self.device)}  # sums since the last log line
        warm = False  # has this process made its first step (which may compile)?
        with StopRequests(enabled=not info.enabled) as stop:
            while self.step < self.total_steps:
                tick = time.perf_counter()
                real, labels = self.batch(self.step, cache)
                self.set_learning_rates()
                window["stats"] += self.train_step(real, labels) if warm else self.first_step(real, labels)
                warm = True
                window.update(steps=window["steps"] + 1, images=window["images"] + self.global_batch)
                self.step += 1
                images_seen = self.step * self.global_batch
                update_ema(self.generator_ema, self.generator,
                           ema_beta(batch_images=self.global_batch, images_seen=images_seen,
                                    halflife_images=config.ema_halflife_images, rampup=config.ema_rampup))
                self._emit("step")
                self.train_seconds += time.perf_counter() - tick
                bar.update(1)
                if self.step % config.log_every == 0 or self.step == self.total_steps:
                    self._log(window)
                if snapshot_every and images_seen // snapshot_every > (images_seen - self.global_batch) // snapshot_every:
                    if info.is_main:
                        self.export(self.out_dir / "snapshots" / f"images-{images_seen:09d}")
                if self.step % self.steps_per_epoch == 0:
                    self._end_epoch()
                out_of_time = self._out_of_time()
                if self.step % config.checkpoint_every == 0 or out_of_time:
                    self.checkpoint()
                if out_of_time:
                    break
                if stop.requested:  # Ctrl-C or SIGTERM: this step is done; keep it and stop
                    self.checkpoint()
                    bar.close()
                    print(f"\n{stop.signal_name}: stopped after step {self.step} and saved a checkpoint; "
                          "continue with --resume", flush=True)
                    raise KeyboardInterrupt
        bar.close()
        self.checkpoint()
        if info.is_main:
            try:
                self.export(self.export_dir, browser_model=not config.no_onnx)
            except OSError as e:
                raise disk_error(e, f"the export to {self.export_dir}", "its previous files are unchanged and the "
                                 "run's result is in its newest checkpoint; free space, then rerun with --resume") from None
        info.barrier()
        return self.export_dir
