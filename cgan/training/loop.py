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
import time
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from cgan import run_layout
from cgan.config import ModelConfig, TrainConfig, resolve
from cgan.data import Dataset, load_dataset
from cgan.files import write_json
from cgan.models import build_discriminator, build_generator, one_hot
from cgan.sampling import save_class_grid
from cgan.training.augment import diff_augment
from cgan.training import checkpoints
from cgan.training.data_order import DataOrder
from cgan.training.distributed import Distributed
from cgan.training.ema import update_ema
from cgan.training.losses import discriminator_loss, generator_loss, gradient_penalty
from cgan.training.run_folder import (append_json_line, check_room, disk_error, lock_run_dir, prepare_run_dir,
                                      truncate_log)
from cgan.training.run_export import GRID_SEEDS, export_run, ready_ema
from cgan.training.runtime import StepNetworks, arithmetic, discriminate, first_step
from cgan.training.schedules import batch_factor, ema_beta, lr_factor, stage_name
from cgan.training.stop_signals import StopRequests

BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}{postfix}]"
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
        self.export_dir = Path(config.export_dir) if config.export_dir else self.out_dir / run_layout.EXPORT
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
        self.step, self.train_seconds, self.images_seen = 0, 0.0, 0
        self.synced_train_seconds = 0.0  # train_seconds as all ranks agree on it (refreshed at log steps)

        self.autocast, self.arithmetic = arithmetic(config.precision, device)
        self.bf16 = self.arithmetic != "fp32"
        self.networks = StepNetworks(
            self.generator, self.discriminator, device=device, info=info,
            compile=config.compile == "on" or (config.compile == "auto" and device.type == "cuda"),
            channels_last=device.type == "cuda" and self.model_config.arch != "paper")

        self.data = DataOrder(self.dataset.images.to(device), self.dataset.labels.to(device), seed=config.seed,
                              image_size=self.model_config.image_size, rank=info.rank, world_size=info.world_size,
                              channels_last=self.networks.channels_last)  # all of it, uint8
        self.batch_size = self.optim["batch_size"]  # per process, at the start of the run
        self.global_batch = self.batch_size * info.world_size
        self.steps_per_epoch = len(self.dataset) // self.global_batch
        if self.steps_per_epoch == 0:
            raise ValueError(f"the dataset has {len(self.dataset)} images, fewer than one batch of {self.global_batch}")
        ramp = self.optim.get("batch_ramp", 1)
        self.batch_ramp = 2 ** min(ramp.bit_length(), self.steps_per_epoch.bit_length()) // 2  # the largest fits the data
        self.total_images = config.max_images or self.optim["epochs"] * self.steps_per_epoch * self.global_batch
        self.label_weights = torch.bincount(self.dataset.labels, minlength=self.model_config.num_classes).float()
        if info.is_main:
            self._check_room()

        self.warmup_steps = config.d_warmup_images // self.global_batch
        self.augment = (lambda x: diff_augment(x, self.noise_rng)) if config.diffaugment else (lambda x: x)
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
                "total_images": self.total_images, "max_steps": self.config.max_steps,
                "max_minutes": self.config.max_minutes,
                "device": str(self.device), "precision": self.arithmetic}

    def state(self) -> dict[str, Any]:
        return {"step": self.step, "train_seconds": self.train_seconds, "images_seen": self.images_seen,
                "cursor": torch.tensor(self.data.cursor), **self._network_state(),
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
        if "images_seen" in state:
            self.images_seen, self.data.cursor = state["images_seen"], tuple(state["cursor"].tolist())
        else:  # a checkpoint from before the batch could change: every step took the first batch
            self.images_seen = self.step * self.global_batch
            epoch, index = divmod(self.step, self.steps_per_epoch)
            self.data.cursor = (epoch, index * self.global_batch)
        self.synced_train_seconds = self.train_seconds
        self.started_from = checkpoints.started_from(state, self.config.init_from)
        if self.info.is_main:
            truncate_log(self.out_dir / run_layout.LOG, self.step)

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

    def batch(self, step: int, cache: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's real images (float, [-1, 1]) and labels at `step` of a run whose batch never changes."""
        epoch, index = divmod(step, self.steps_per_epoch)
        return self.data.batch_at(epoch, index * self.global_batch, self.batch_size, cache)

    # ------------------------------------------------------------ one step

    def progress(self) -> float:
        """How far through its budget the run is, 0..1: images, steps under --max-steps or training time under
        --max-minutes, whichever is furthest, so every run ends with its whole schedule behind it."""
        done = [self.images_seen / self.total_images]
        if self.config.max_steps:
            done.append(self.step / self.config.max_steps)
        if self.config.max_minutes:
            done.append(self.synced_train_seconds / (self.config.max_minutes * 60))
        return max(done)

    def step_batch(self) -> int:
        """Images per process in the next step: the first batch, doubled as the run reaches each stage of its ramp."""
        return self.batch_size * batch_factor(self.batch_ramp, self.progress())

    def stage(self) -> str:
        """The schedule's stage, for the progress bar."""
        return stage_name(progress=self.progress(), lr_kind=self.optim["lr_decay"],
                          lr_decay_start=self.optim.get("lr_decay_start", 0.0), batch=self.step_batch() * self.info.world_size)

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
        images = self.augment(torch.cat([real, fake.detach()])).requires_grad_(penalise)
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
            logits, classes = discriminate(nets.d_for_g, self.augment(fake), condition, aux_g_weight)
            # The relativistic loss pairs each fake with its real image's logit, the one from D's update just
            # made: one optimiser step old, which saves a discriminator pass on the real half.
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

    def export(self, folder: Path, *, browser_model: bool = False) -> Path:
        """The EMA generator, its discriminator and samples as one export set in `folder` (cgan.training.run_export)."""
        export_run(self, folder, browser_model=browser_model)
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
            (self.out_dir / run_layout.SAMPLES).mkdir(parents=True, exist_ok=True)
            resolved = self.resolved()
            print(json.dumps(resolved, indent=2), flush=True)
            write_json((self.out_dir / run_layout.RUN_CONFIG if not self.resuming else run_layout.resume_config(self.out_dir, self.step)),
                       resolved)

    def _log(self, window: dict[str, Any]) -> None:
        """One log.jsonl line with the mean statistics since the last one (the one device sync per line)."""
        rate = window["images"] / max(time.perf_counter() - window["start"], 1e-9)
        losses = dict(zip(STAT_NAMES, (window["stats"] / window["steps"]).tolist()))
        window.update(start=time.perf_counter(), images=0, steps=0)
        window["stats"].zero_()
        record = {"step": self.step, "epoch": round(self.images_seen / len(self.dataset), 4),
                  "images_seen": self.images_seen, **{k: round(v, 5) for k, v in losses.items()},
                  "images_per_s": round(rate, 2), "lr": self.opt_g.param_groups[0]["lr"],
                  "batch": window["batch"], "train_seconds": round(self.train_seconds, 2)}
        if not all(math.isfinite(v) for v in losses.values()):
            raise FloatingPointError(f"non-finite loss at step {self.step}: {losses}")
        window["bar"].set_description(f"{self.model_config.arch} · {self.stage()}", refresh=False)
        window["bar"].n = min(round(self.progress() * 1000), 1000)
        window["bar"].set_postfix(loss_d=f"{losses['loss_d']:.3f}", loss_g=f"{losses['loss_g']:.3f}", img_s=f"{rate:.0f}")
        if self.info.is_main:
            append_json_line(self.out_dir / run_layout.LOG, record)
        self._emit("log", record)

    def _end_epoch(self) -> None:
        """The epoch's sample grid (its time counts as training time), then the epoch hooks."""
        tick = time.perf_counter()
        epoch = self.data.cursor[0]
        if self.info.is_main:
            save_class_grid(ready_ema(self), run_layout.sample_grid(self.out_dir, epoch), seeds=GRID_SEEDS)
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
        snapshot_every = config.snapshot_every_images
        bar = tqdm(total=1000, initial=round(self.progress() * 1000), disable=not info.is_main, unit="‰",
                   dynamic_ncols=True, desc=f"{self.model_config.arch} · {self.stage()}", bar_format=BAR_FORMAT)
        window = {"start": time.perf_counter(), "images": 0, "steps": 0, "bar": bar,
                  "stats": torch.zeros(len(STAT_NAMES), device=self.device)}  # sums since the last log line
        warm = False  # has this process made its first step (which may compile)?
        with StopRequests(enabled=not info.enabled) as stop:
            while self.progress() < 1:
                tick = time.perf_counter()
                size = self.step_batch()
                window["batch"] = size * info.world_size
                real, labels = self.data.next_batch(size)
                self.set_learning_rates()
                window["stats"] += self.train_step(real, labels) if warm else self.first_step(real, labels)
                warm = True
                window.update(steps=window["steps"] + 1, images=window["images"] + window["batch"])
                self.step += 1
                self.images_seen += window["batch"]
                images_seen = self.images_seen
                update_ema(self.generator_ema, self.generator,
                           ema_beta(batch_images=window["batch"], images_seen=images_seen,
                                    halflife_images=config.ema_halflife_images, rampup=config.ema_rampup))
                self._emit("step")
                self.train_seconds += time.perf_counter() - tick
                if self.step % config.log_every == 0 or self.progress() >= 1:
                    self._log(window)
                if snapshot_every and images_seen // snapshot_every > (images_seen - window["batch"]) // snapshot_every:
                    if info.is_main:
                        self.export(run_layout.snapshot(self.out_dir, images_seen))
                if self.data.end_epoch_before(self.step_batch()):
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
