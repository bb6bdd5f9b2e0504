"""The training loop: losses, the generator EMA, BatchNorm recalibration, checkpoints, logging."""
from __future__ import annotations

import copy
import json
import math
import platform
import shutil
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from cgan.training import checkpoints
from cgan.config import ModelConfig, TrainConfig, resolve, save_json
from cgan.data import Dataset, load_dataset, to_float
from cgan.devices import describe, uses_bf16
from cgan.training.distributed import Distributed
from cgan.export.folder import save_export
from cgan.export.browser_model import ONNX_NAME, export_onnx
from cgan.models import build_discriminator, build_generator, one_hot
from cgan.sampling import save_class_grid
from cgan.training.stop_signals import StopRequests

GRID_SEEDS = range(10)  # fixed latents of the per-epoch sample grids
STAT_NAMES = ("loss_d", "loss_g", "d_real", "d_fake")  # what train_step returns, in order


class RunExistsError(RuntimeError):
    """OUT_DIR already holds a run and neither --resume nor --overwrite was given."""


# ---------------------------------------------------------------- losses

def discriminator_loss(kind: str, logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """hinge: relu(1 - real) + relu(1 + fake); bce: real -> 1, fake -> 0 (BCE with logits)."""
    if kind == "hinge":
        return F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean()
    return (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
            + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake)))


def generator_loss(kind: str, logits_fake: torch.Tensor) -> torch.Tensor:
    """hinge: -fake; bce: fake -> 1 (the non-saturating loss)."""
    if kind == "hinge":
        return -logits_fake.mean()
    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))


# ---------------------------------------------------------------- EMA and BatchNorm

def ema_beta(*, batch_images: int, images_seen: int, halflife_images: int, rampup: float) -> float:
    """Per-step decay for an EMA whose half-life is given in images (ramped up early in training)."""
    halflife = min(halflife_images, max(images_seen * rampup, 1.0)) if rampup > 0 else halflife_images
    return 0.5 ** (batch_images / max(halflife, 1e-8))


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """ema = beta * ema + (1 - beta) * model for parameters; buffers (BN statistics) are copied.

    One foreach call each, not a Python loop of small kernels per tensor.
    """
    torch._foreach_lerp_(list(ema.parameters()), [p.detach() for p in model.parameters()], 1 - beta)
    ema_buffers, buffers = list(ema.buffers()), list(model.buffers())
    if buffers:
        torch._foreach_copy_(ema_buffers, buffers)


def lr_factor(kind: str, step: int, total_steps: int, start: float = 0.0) -> float:
    """Multiplier of the base learning rate at `step`: 1 throughout (none), or (linear) 1 until the
    fraction `start` of the run, then falling linearly to 0 at the last step."""
    if kind != "linear":
        return 1.0
    done = step / max(total_steps, 1)
    return min(1.0, max(0.0, (1.0 - done) / (1.0 - start)))


@torch.no_grad()
def recalibrate_batchnorm(generator: nn.Module, *, batches: int, batch_size: int,
                          label_weights: Optional[torch.Tensor] = None, seed: int = 0) -> None:
    """Recompute BatchNorm running statistics for the generator's current weights.

    The EMA generator's weights are an average, so the raw generator's running statistics do not
    match them; without this, its eval-mode samples are washed out or saturated.
    """
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or batches == 0:
        return
    config: ModelConfig = generator.config
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    weights = label_weights if label_weights is not None else torch.ones(config.num_classes)
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all recalibration batches
    was_training = generator.training
    generator.train()
    for _ in range(batches):
        z = torch.randn(batch_size, config.z_dim, generator=rng)
        labels = torch.multinomial(weights.float(), batch_size, replacement=True, generator=rng)
        generator(z.to(device), one_hot(labels, config.num_classes).to(device))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    generator.train(was_training)


# ---------------------------------------------------------------- run folder

def prepare_run_dir(config: TrainConfig, info: Distributed) -> bool:
    """Check OUT_DIR before any work; returns True when resuming. Never deletes without --overwrite."""
    out = Path(config.out_dir)
    has_run = out.is_dir() and any(out.iterdir())
    if config.resume:
        if not checkpoints.list_checkpoints(out):
            if not (out / "config.json").is_file():
                raise RunExistsError(f"--resume: no run in {out}; start a new run without --resume")
            # Killed before its first checkpoint: nothing to continue, so start it again from step 0.
            if info.is_main:
                print(f"--resume: {out} has no checkpoint yet (stopped before step {config.checkpoint_every}); "
                      f"starting it again from step 0 with its saved flags", flush=True)
                (out / "log.jsonl").unlink(missing_ok=True)
            info.barrier()
            return False
        return True
    if has_run:
        if not config.overwrite:
            raise RunExistsError(f"{out} already holds a run. Continue it with --resume, delete it with "
                                 f"--overwrite, or choose another --out-dir.")
        if info.is_main:
            shutil.rmtree(out)
    info.barrier()
    return False


def _truncate_log(path: Path, step: int) -> None:
    """Drop log lines past `step` (written after the checkpoint a resumed run restarts from)."""
    if not path.is_file():
        return
    kept = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in kept))
    tmp.replace(path)


def _json_line(path: Path, record: dict[str, Any]) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


# ---------------------------------------------------------------- the loop

class Trainer:
    """Holds the networks, optimisers and counters of one run; `fit()` trains and exports."""

    def __init__(self, config: TrainConfig, device: torch.device, info: Distributed,
                 dataset: Optional[Dataset] = None):
        self.config, self.device, self.info = config, device, info
        self.resuming = prepare_run_dir(config, info)
        self.dataset = dataset or load_dataset(config.dataset, data_dir=config.data_dir, image_size=config.image_size)
        self.model_config, self.optim = resolve(config, class_names=self.dataset.class_names,
                                                channels=self.dataset.channels, native_size=self.dataset.size,
                                                device_type=device.type)
        self.out_dir = Path(config.out_dir)
        self.export_dir = Path(config.export_dir) if config.export_dir else self.out_dir / "export"

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

        self.use_cuda_tricks = device.type == "cuda"
        self.bf16 = uses_bf16(config.precision, device)
        self.arithmetic = "bf16 autocast" if self.bf16 else "fp32"  # what --precision resolved to here
        if self.use_cuda_tricks:
            torch.backends.cuda.matmul.allow_tf32 = True  # fp32 storage, TF32 tensor-core arithmetic
            torch.backends.cudnn.allow_tf32 = True
        self.channels_last = self.use_cuda_tricks and self.model_config.arch != "paper"
        if self.channels_last:
            self.generator.to(memory_format=torch.channels_last)
            self.discriminator.to(memory_format=torch.channels_last)
        self.g_train, self.d_train = self.generator, self.discriminator
        if info.enabled:
            ids = [device.index] if device.type == "cuda" else None
            self.g_train = nn.parallel.DistributedDataParallel(self.generator, device_ids=ids)
            self.d_train = nn.parallel.DistributedDataParallel(self.discriminator, device_ids=ids)
        self.d_for_g = self.discriminator  # D in the G step: the bare module, its gradients are discarded
        self.compiled = config.compile == "on" or (config.compile == "auto" and device.type == "cuda")
        if self.compiled:
            self._compile()

        self.images = self.dataset.images.to(device)  # the whole dataset, uint8, on the training device
        self.labels = self.dataset.labels.to(device)
        self.batch_size = self.optim["batch_size"]
        self.global_batch = self.batch_size * info.world_size
        self.steps_per_epoch = len(self.dataset) // self.global_batch
        if self.steps_per_epoch == 0:
            raise ValueError(f"the dataset has {len(self.dataset)} images, fewer than one batch of {self.global_batch}")
        self.total_steps = config.epochs * self.steps_per_epoch
        if config.max_steps is not None:
            self.total_steps = min(self.total_steps, config.max_steps)
        self.label_weights = torch.bincount(self.dataset.labels, minlength=self.model_config.num_classes).float()

        if self.resuming:
            self._load(checkpoints.load_latest(self.out_dir, map_location=device))

    # ------------------------------------------------------------ compilation

    def _compile(self) -> None:
        """torch.compile the three network calls of a step (compiled lazily, on the first step)."""
        self._eager = (self.g_train, self.d_train, self.d_for_g)
        self.g_train, self.d_train = torch.compile(self.g_train), torch.compile(self.d_train)
        self.d_for_g = self.d_train if self._eager[1] is self._eager[2] else torch.compile(self.d_for_g)

    def _after_failed_compile(self, error: Exception) -> None:
        """Retry without channels_last (a known failure of compiled conv backward), then fall back to eager."""
        reason = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
        self.g_train, self.d_train, self.d_for_g = self._eager
        torch._dynamo.reset()
        if self.channels_last:
            print(f"torch.compile failed with channels_last ({reason}); trying the default memory format", flush=True)
            self.channels_last = False
            self.generator.to(memory_format=torch.contiguous_format)
            self.discriminator.to(memory_format=torch.contiguous_format)
            self._compile()
        else:
            print(f"torch.compile failed ({reason}); training continues without compilation", flush=True)
            self.compiled = False

    def _first_step(self, real: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The first step of this process: compiles (timed, printed once) and falls back on failure."""
        if not self.compiled:
            return self.train_step(real, labels)
        before = copy.deepcopy(self._network_state())
        rng = self.noise_rng.get_state()
        started = time.perf_counter()
        while True:
            try:
                stats = self.train_step(real, labels)
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                break
            except Exception as e:  # dynamo and inductor raise many types; eager training always works
                self._load_networks(before)
                self.noise_rng.set_state(rng)
                self._after_failed_compile(e)
                real = real.contiguous()
                if not self.compiled:
                    return self.train_step(real, labels)
        if self.info.is_main:
            print(f"compiled the training step in {time.perf_counter() - started:.1f} s (first step)", flush=True)
        return stats

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
                "model_config": self.model_config.to_dict()}

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
        if self.info.is_main:
            _truncate_log(self.out_dir / "log.jsonl", self.step)

    def checkpoint(self) -> None:
        if self.info.is_main:
            checkpoints.save_checkpoint(self.out_dir, self.step, self.state())

    # ------------------------------------------------------------ data

    def _permutation(self, epoch: int) -> torch.Tensor:
        """Data order of one epoch: a function of (seed, epoch), so resuming mid-epoch needs no state."""
        rng = torch.Generator().manual_seed(self.config.seed * 100_003 + epoch)
        return torch.randperm(len(self.dataset), generator=rng).to(self.device)

    def _batch(self, step: int, cache: dict) -> tuple[torch.Tensor, torch.Tensor]:
        epoch, index = divmod(step, self.steps_per_epoch)
        if cache.get("epoch") != epoch:
            cache.update(epoch=epoch, perm=self._permutation(epoch))
        start = index * self.global_batch + self.info.rank * self.batch_size  # this rank's shard
        idx = cache["perm"][start:start + self.batch_size]
        images = to_float(self.images[idx], self.model_config.image_size)
        if self.channels_last and images.dim() == 4:
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
        loss_kind, aux_weight = self.optim["loss"], self.optim["aux_weight"]
        condition = one_hot(labels, self.model_config.num_classes)
        z = torch.randn(real.shape[0], self.model_config.z_dim, device=self.device, generator=self.noise_rng)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else nullcontext()
        with autocast:
            fake = self.g_train(z, condition)  # (B, C, H, W); reused for the G step after D is updated
            both = (torch.cat([real, fake.detach()]), torch.cat([condition, condition]))
            if aux_weight:
                logits, classes = self.d_train(*both, classes=True)
            else:
                logits = self.d_train(*both)
            logits_real, logits_fake = logits.float().chunk(2)
            loss_d = discriminator_loss(loss_kind, logits_real, logits_fake)
            if aux_weight:  # AC-GAN: D learns the classes of the real images only
                loss_d = loss_d + aux_weight * F.cross_entropy(classes[:real.shape[0]].float(), labels.long())
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()

        self.discriminator.requires_grad_(False)
        with autocast:
            # The bare module: D's gradients here are discarded, so DDP must not reduce them.
            if aux_weight:
                logits, classes = self.d_for_g(fake, condition, classes=True)
                loss_g = (generator_loss(loss_kind, logits.float())
                          + aux_weight * F.cross_entropy(classes.float(), labels.long()))
            else:
                loss_g = generator_loss(loss_kind, self.d_for_g(fake, condition).float())
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.discriminator.requires_grad_(True)
        return torch.stack([loss_d, loss_g, logits_real.mean(), logits_fake.mean()]).detach()

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
                "ema_halflife_images": self.config.ema_halflife_images, "seed": self.config.seed, "torch": torch.__version__}

    def export(self, folder: Path) -> Path:
        """EMA generator -> config.json + model.safetensors + samples.png in folder."""
        generator = self.ready_ema()
        save_export(generator, folder, training=self.summary())
        save_class_grid(generator, folder / "samples.png", seeds=GRID_SEEDS)
        return folder

    def _agree_max(self, value: float) -> float:
        """The largest value over all ranks (so every process decays and stops alike)."""
        if not self.info.enabled:
            return value
        tensor = torch.tensor([float(value)], device=self.device, dtype=torch.float64)
        torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MAX)
        return float(tensor.item())

    # ------------------------------------------------------------ fit

    def fit(self, *, on_epoch_end: Optional[Callable[["Trainer", int], None]] = None) -> Path:
        """Train to the step budget (or time budget), checkpointing; export the EMA generator at the end."""
        config, info = self.config, self.info
        if info.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "samples").mkdir(exist_ok=True)
            resolved = self.resolved()
            print(json.dumps(resolved, indent=2), flush=True)
            save_json(self.out_dir / ("config.json" if not self.resuming else f"config-resume-{self.step}.json"), resolved)
        log_path = self.out_dir / "log.jsonl"
        cache: dict = {}
        budget_s = config.max_minutes * 60 if config.max_minutes else math.inf
        window_start, window_images = time.perf_counter(), 0
        window_stats = torch.zeros(len(STAT_NAMES), device=self.device)  # sums since the last log line
        window_steps = 0
        first_step = True
        snapshot_every = config.snapshot_every_images
        bar = tqdm(total=self.total_steps, initial=self.step, disable=not info.is_main, unit="step",
                   dynamic_ncols=True, desc=f"{self.model_config.arch}")
        with StopRequests(enabled=not info.enabled) as stop:
            while self.step < self.total_steps:
                tick = time.perf_counter()
                real, labels = self._batch(self.step, cache)
                self.set_learning_rates()
                window_stats += self._first_step(real, labels) if first_step else self.train_step(real, labels)
                first_step = False
                window_steps += 1
                self.step += 1
                images_seen = self.step * self.global_batch
                update_ema(self.generator_ema, self.generator,
                           ema_beta(batch_images=self.global_batch, images_seen=images_seen,
                                    halflife_images=config.ema_halflife_images, rampup=config.ema_rampup))
                self.train_seconds += time.perf_counter() - tick
                window_images += self.global_batch
                bar.update(1)
                if self.step % config.log_every == 0 or self.step == self.total_steps:
                    rate = window_images / max(time.perf_counter() - window_start, 1e-9)
                    window_start, window_images = time.perf_counter(), 0
                    losses = dict(zip(STAT_NAMES, (window_stats / window_steps).tolist()))  # the one sync per log line
                    window_stats.zero_()
                    window_steps = 0
                    record = {"step": self.step, "epoch": round(self.step / self.steps_per_epoch, 4),
                              "images_seen": images_seen, **{k: round(v, 5) for k, v in losses.items()},
                              "images_per_s": round(rate, 2), "lr": self.opt_g.param_groups[0]["lr"],
                              "train_seconds": round(self.train_seconds, 2)}
                    if not all(math.isfinite(v) for v in losses.values()):
                        raise FloatingPointError(f"non-finite loss at step {self.step}: {losses}")
                    bar.set_postfix(loss_d=f"{losses['loss_d']:.3f}", loss_g=f"{losses['loss_g']:.3f}", img_s=f"{rate:.0f}")
                    if info.is_main:
                        _json_line(log_path, record)
                if snapshot_every and images_seen // snapshot_every > (images_seen - self.global_batch) // snapshot_every:
                    if info.is_main:
                        self.export(self.out_dir / "snapshots" / f"images-{images_seen:09d}")
                epoch_done = self.step % self.steps_per_epoch == 0
                if epoch_done:
                    tick = time.perf_counter()
                    epoch = self.step // self.steps_per_epoch
                    if info.is_main:
                        save_class_grid(self.ready_ema(), self.out_dir / "samples" / f"epoch-{epoch:03d}.png", seeds=GRID_SEEDS)
                    self.train_seconds += time.perf_counter() - tick
                    if on_epoch_end is not None:
                        on_epoch_end(self, epoch)
                out_of_time = False
                if self.step % config.log_every == 0 and config.max_minutes:
                    self.synced_train_seconds = self._agree_max(self.train_seconds)
                    out_of_time = self.synced_train_seconds >= budget_s
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
            self.export(self.export_dir)
            if not config.no_onnx:
                self.export_browser_model()
        info.barrier()
        return self.export_dir

    def export_browser_model(self) -> None:
        """model.onnx beside the export (the app's instant mode); a missing exporter is a note, not a failure."""
        try:
            export_onnx(self.generator_ema, self.export_dir / ONNX_NAME)
        except ImportError as e:
            print(f"note: {ONNX_NAME} not written ({e}); the app exports it when it starts, if it can", flush=True)
