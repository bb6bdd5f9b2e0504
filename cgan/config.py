"""The two dataclasses that describe a run: the model (saved as config.json) and the training run.

Presets fill in both; command-line flags override single fields. `TrainConfig` is the
source of truth for `train.py --help`: every field becomes a flag with its help text.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from cgan.hub_datasets import is_hub_dataset

ARCHS = ("fast", "reference", "paper")
G_NORMS = ("batch", "conditional")
G_UPSAMPLES = ("convtranspose", "nearest")
G_OUTPUTS = ("tanh", "full-range", "full-range-clipped")
D_NORMS = ("spectral", "none")
D_HEADS = ("pooled", "spatial")
LR_DECAYS = ("none", "linear")
LOSSES = ("hinge", "bce", "relativistic")
D_CONDITIONINGS = ("projection", "channels")
DATASETS = ("fashion-mnist", "mnist", "cifar10", "folder")
DEVICES = ("auto", "cpu", "cuda", "mps")
COMPILE_MODES = ("auto", "on", "off")
PRECISIONS = ("auto", "fp32", "bf16")
TRACKERS = ("none", "tensorboard", "trackio")


# Bounds on every size in config.json, generous for real models, so that a hostile or mistyped config is refused
# before a network is built (cgan.checked_weights also caps the total size of the network).
MODEL_LIMITS = {"z_dim": 4096, "channels": 4, "image_size": 512, "native_size": 512, "g_dim": 4096, "d_dim": 4096,
                "d_depth": 8}
MAX_CLASSES = 1_000  # what the app can serve: its dropdowns, page and start-up stay small
MAX_CLASS_NAME = 100
MAX_BATCH_RAMP = 16  # the batch doubles at most four times in a run (cgan.training.schedules)
# Settings of designs that were measured and dropped (docs/results.md), with the value every network now has: a
# config.json that names one at that value still loads; any other value is refused with a message.
RETIRED = {"g_refine": 0, "d_input": "image"}


def without_retired(data: dict[str, Any], where: str) -> dict[str, Any]:
    """data without its retired settings; ValueError when one asks for the dropped design."""
    for name, kept in RETIRED.items():
        if data.get(name, kept) not in (kept, None):
            raise ValueError(f"{where}: {name}={data[name]!r} is a design this version no longer builds (it measured "
                             f"no gain; docs/results.md); only {name}={kept!r} loads")
    return {name: value for name, value in data.items() if name not in RETIRED}


@dataclass
class ModelConfig:
    """Everything needed to rebuild the generator (and discriminator) from config.json."""

    arch: str = "fast"  # network family: fast (CPU default), reference (given design), paper (Mirza & Osindero MLPs)
    z_dim: int = 64  # length of the noise vector z
    num_classes: int = 10  # number of conditioning classes
    class_names: list[str] = field(default_factory=lambda: [str(i) for i in range(10)])  # one name per class
    channels: int = 1  # image channels (1 grayscale, 3 colour)
    image_size: int = 28  # side length the networks work at
    native_size: int = 28  # dataset's side length; generated images are centre-cropped to it
    g_dim: int = 64  # generator width (channels of its last hidden layer)
    d_dim: int = 64  # discriminator width (channels of its first layer)
    d_conditioning: str = "projection"  # how D sees the label: projection (Miyato & Koyama) or channels (one-hot planes)
    g_norm: str = "batch"  # generator BatchNorm: batch (plain) or conditional (scale and shift per class)
    g_upsample: str = "convtranspose"  # generator doubling: convtranspose (4x4, stride 2) or nearest (+ 3x3 conv)
    g_output: str = "tanh"  # generator output: tanh, full-range (each image's Tanh range stretched to -1..1) or
    # full-range-clipped (that, 5 per cent wider, clipped to -1..1: the ends of the range become pure black and white)
    d_depth: int = 1  # fast discriminator: convs at each of its two lower resolutions
    d_norm: str = "spectral"  # discriminator: spectral (spectral norm) or none (plain; pair with --gamma)
    d_head: str = "pooled"  # fast discriminator: pooled (sum over positions) or spatial (a weight per position)
    d_classifier: bool = False  # discriminator also has an auxiliary classifier head (AC-GAN), for --aux-weight

    def validate(self) -> None:
        """Raise ValueError when the fields cannot describe a buildable network."""
        if self.arch not in ARCHS:
            raise ValueError(f"unknown arch {self.arch!r}; choose one of {', '.join(ARCHS)}")
        if self.d_conditioning not in D_CONDITIONINGS:
            raise ValueError(f"unknown d_conditioning {self.d_conditioning!r}; choose one of {', '.join(D_CONDITIONINGS)}")
        if not 2 <= self.num_classes <= MAX_CLASSES:
            raise ValueError(f"a conditional GAN needs 2 to {MAX_CLASSES} classes, got {self.num_classes}")
        if len(self.class_names) != self.num_classes:
            raise ValueError(f"{len(self.class_names)} class names for {self.num_classes} classes")
        for name, allowed in (("g_norm", G_NORMS), ("g_upsample", G_UPSAMPLES), ("g_output", G_OUTPUTS), ("d_norm", D_NORMS),
                              ("d_head", D_HEADS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(allowed)}")
        for name, most in MODEL_LIMITS.items():
            if not 1 <= getattr(self, name) <= most:
                raise ValueError(f"{name} must be from 1 to {most}, got {getattr(self, name)}")
        names = [name.strip() for name in self.class_names]
        if not all(names) or any(len(name) > MAX_CLASS_NAME for name in names):
            raise ValueError(f"class names must be non-empty and at most {MAX_CLASS_NAME} characters")
        if len(set(names)) != len(names):
            twice = sorted({name for name in names if names.count(name) > 1})
            raise ValueError(f"class names must be unique; {', '.join(map(repr, twice[:5]))} appear more than once")
        if self.native_size > self.image_size:
            raise ValueError(f"native_size {self.native_size} is larger than image_size {self.image_size}")
        if self.d_classifier and self.arch == "paper":
            raise ValueError("an auxiliary classifier head (--aux-weight) needs a convolutional discriminator: "
                             "the fast or reference preset")
        if self.arch == "reference" and self.image_size != 32:
            raise ValueError("the reference architecture works at 32x32; use --image-size 32")
        if self.d_head == "spatial" and self.arch != "fast":
            raise ValueError("a spatial discriminator head (--d-head spatial) is part of the fast preset's design")
        if self.arch == "fast" and self.image_size % 4:
            raise ValueError(f"the fast architecture needs an image size divisible by 4, got {self.image_size}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        """Build from a config.json dict; unknown keys are an error so typos never pass silently."""
        data = without_retired(data, "config.json")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(unknown)}")
        types = {"int": int, "str": str, "list[str]": list, "bool": bool}
        for f in dataclasses.fields(cls):
            if f.name in data:
                expected = types[f.type]
                value = data[f.name]
                if not isinstance(value, expected) or (expected is int and isinstance(value, bool)) or (
                        expected is list and not all(isinstance(v, str) for v in value)):
                    raise ValueError(f"{f.name} should be {f.type}, got {value!r}")
        config = cls(**data)
        config.validate()
        return config


@dataclass
class TrainConfig:
    """A training run. Each field is a `train.py` flag (underscores become dashes)."""

    dataset: str = field(default="fashion-mnist", metadata={"help": f"dataset: {', '.join(DATASETS)}, or hf:NAME[:CONFIG] for an image-classification dataset read with the `datasets` package: a Hub id, a folder saved with save_to_disk, or a data file"})
    image_column: Optional[str] = field(default=None, metadata={"help": "hf: datasets: the image column; default: the first Image feature"})
    label_column: Optional[str] = field(default=None, metadata={"help": "hf: datasets: the label column; default: the first ClassLabel feature"})
    data_dir: Optional[str] = field(default=None, metadata={"help": "where the dataset lives (folder dataset: one subfolder per class); default: ./data, then /usr/share/datasets"})
    image_size: Optional[int] = field(default=None, metadata={"help": "side length that --dataset folder and hf: images are resized to; default: 32"})
    arch: str = field(default="fast", metadata={"help": f"model preset: {', '.join(ARCHS)} (see README 'Presets')"})
    epochs: Optional[int] = field(default=None, metadata={"help": "the run's length in passes over the training set, when --max-images is not given; default: the preset's (fast: 50, others: 8)"})
    max_images: Optional[int] = field(default=None, metadata={"help": "the run's length in training images (instead of --epochs); the whole schedule (learning-rate decay, batch ramp, EMA) is laid out over it"})
    max_steps: Optional[int] = field(default=None, metadata={"help": "also end the run at this many optimisation steps, counting steps done before a resume; the schedule is laid out over whichever budget ends first"})
    max_minutes: Optional[float] = field(default=None, metadata={"help": "also end the run when it has trained this many minutes (counted over resumes), then export; the whole schedule is laid out over whichever budget ends first, so a short run is a complete schedule, not the start of a long one"})
    batch_size: Optional[int] = field(default=None, metadata={"help": "images per step per process at the start of the run (effective batch = batch size x processes); default: the preset's"})
    batch_ramp: Optional[int] = field(default=None, metadata={"help": "the batch doubles at 60, 70, 80 and 90 per cent of the run until it is this many times --batch-size (a power of two up to 16; 1: a constant batch); default: the preset's (fast: 16 on CPUs, 1 on GPUs, others: 1)"})
    lr: Optional[float] = field(default=None, metadata={"help": "Adam learning rate of the generator (and of the discriminator unless --lr-d); default: the preset's"})
    lr_d: Optional[float] = field(default=None, metadata={"help": "Adam learning rate of the discriminator; default: the preset's ratio to --lr"})
    lr_decay: Optional[str] = field(default=None, metadata={"help": f"learning-rate schedule over the run's steps: {', '.join(LR_DECAYS)} (linear: to zero at the last step); default: the preset's"})
    lr_decay_start: Optional[float] = field(default=None, metadata={"help": "fraction of the run (0 to <1) at which a linear decay begins: the learning rate holds until then and falls to zero at the last step (given alone, it implies --lr-decay linear); default: the preset's (0: from the first step)"})
    beta1: Optional[float] = field(default=None, metadata={"help": "Adam beta1; default: the preset's"})
    beta2: float = field(default=0.999, metadata={"help": "Adam beta2"})
    loss: Optional[str] = field(default=None, metadata={"help": f"GAN loss: {', '.join(LOSSES)}; default: the preset's"})
    gamma: Optional[float] = field(default=None, metadata={"help": "strength γ of the zero-centred gradient penalties on real and fake images (R1 + R2): γ/2 × the mean squared gradient of D's logit in each; 0: off; default: 0.1 with --loss relativistic (R3GAN's pairing), else 0"})
    penalty_every: int = field(default=8, metadata={"help": "apply the gradient penalties on every this many steps, scaled up by it (lazy regularisation, as in StyleGAN2): each costs about three discriminator passes"})
    aux_weight: Optional[float] = field(default=None, metadata={"help": "weight of an auxiliary classifier loss (AC-GAN) on the discriminator's features: D learns the real images' classes, G is rewarded when D reads its images as their class; 0: off; default: the preset's"})
    aux_g_weight: Optional[float] = field(default=None, metadata={"help": "weight of the auxiliary classifier loss in the generator's update; 0: D still learns the classes but G is not pushed towards what D finds typical of a class (projection keeps the conditioning); default: the preset's (0 for fast), else --aux-weight"})
    d_conditioning: Optional[str] = field(default=None, metadata={"help": f"how D sees the label: {', '.join(D_CONDITIONINGS)}; default: the preset's"})
    z_dim: Optional[int] = field(default=None, metadata={"help": "noise length; default: the preset's"})
    g_dim: Optional[int] = field(default=None, metadata={"help": "generator width; default: the preset's"})
    d_dim: Optional[int] = field(default=None, metadata={"help": "discriminator width; default: the preset's"})
    d_depth: Optional[int] = field(default=None, metadata={"help": "fast discriminator: convs at each lower resolution; default: the preset's"})
    g_norm: Optional[str] = field(default=None, metadata={"help": f"generator BatchNorm: {', '.join(G_NORMS)}; default: the preset's"})
    g_upsample: Optional[str] = field(default=None, metadata={"help": f"generator upsampling: {', '.join(G_UPSAMPLES)}; default: the preset's"})
    g_output: Optional[str] = field(default=None, metadata={"help": f"generator output: {', '.join(G_OUTPUTS)} (full-range: each image's Tanh output stretched linearly so that its darkest pixel is black and its brightest white, as in every Fashion-MNIST image; full-range-clipped: that stretch made 5 per cent wider and clipped to -1..1, so that the darkest and brightest few grey levels become pure black and white, as in a sharpened image stored in 8 bits); default: the preset's"})
    d_norm: Optional[str] = field(default=None, metadata={"help": f"discriminator weights: {', '.join(D_NORMS)} (none: plain weights, kept in check by the gradient penalties of --gamma alone); default: the preset's"})
    d_head: Optional[str] = field(default=None, metadata={"help": f"fast discriminator's last layer: {', '.join(D_HEADS)} (pooled: one weight per feature, summed over positions; spatial: one per feature and position, so D can tell where things are); default: the preset's"})
    ema_halflife_images: int = field(default=100_000, metadata={"help": "longest half-life of the generator EMA, in training images"})
    ema_rampup: float = field(default=0.02, metadata={"help": "the EMA half-life is at most this fraction of the images seen so far, so that it grows with the run (0: --ema-halflife-images from the first step)"})
    bn_recalibration_batches: int = field(default=100, metadata={"help": "batches used to recompute the EMA generator's BatchNorm statistics before sampling or export"})
    compile: str = field(default="auto", metadata={"help": f"torch.compile the networks: {', '.join(COMPILE_MODES)} (auto: on for CUDA, off elsewhere; falls back to eager if compiling fails)"})
    precision: str = field(default="auto", metadata={"help": f"training arithmetic: {', '.join(PRECISIONS)} (auto: bf16 autocast on CPUs with bf16 in hardware, AVX512-BF16 or AMX, fp32 on other CPUs, fp32 with TF32 matmuls on CUDA; weights stay fp32)"})
    seed: int = field(default=0, metadata={"help": "random seed (weights, data order, noise)"})
    device: str = field(default="auto", metadata={"help": f"{', '.join(DEVICES)}; auto picks cuda, then mps, then cpu"})
    out_dir: str = field(default="runs/default", metadata={"help": "run folder: config, log.jsonl, sample grids, checkpoints"})
    export_dir: Optional[str] = field(default=None, metadata={"help": "where the final EMA generator is exported; default: OUT_DIR/export"})
    resume: bool = field(default=False, metadata={"help": "continue from the newest checkpoint in OUT_DIR"})
    overwrite: bool = field(default=False, metadata={"help": "delete an existing run in OUT_DIR and start afresh"})
    init_from: Optional[str] = field(default=None, metadata={"help": "start a new run from a trained generator (export folder or Hub repo USER/REPO): its weights become G and its EMA, and its discriminator.safetensors D where it has one of this design (a spectral-norm one also starts --d-norm none, as the plain weights with the same logits), else D starts afresh (then pair with --d-warmup-images); the model flags must match the generator's (its --g-output, a step without weights, is kept unless given), but for a larger --g-dim, which widens a convolutional generator so that it draws the same images at first, and a larger --d-dim, which widens its discriminator so that it computes the same logits at first. Pair with --ema-rampup 0"})
    diffaugment: bool = field(default=False, metadata={"help": "show the discriminator real and generated images alike translated and cut out (DiffAugment: translation + cutout, differentiable): for small datasets (a few thousand images or fewer), where a discriminator overfits; on Fashion-MNIST's 60,000 it slowed learning (docs/results.md)"})
    d_warmup_images: int = field(default=0, metadata={"help": "train the discriminator alone for this many images at the start of the run, so that a fresh D catches up with a trained G (--init-from of an export without a discriminator) before G learns from it"})
    log_every: int = field(default=50, metadata={"help": "steps between log.jsonl lines"})
    checkpoint_every: int = field(default=500, metadata={"help": "steps between checkpoints (one is also written at the end)"})
    snapshot_every_images: Optional[int] = field(default=None, metadata={"help": "also export the EMA generator to OUT_DIR/snapshots every this many images (for quality-vs-time curves)"})
    encoder_minutes: float = field(default=0.0, metadata={"help": "after the generator, train its encoder (image + class -> z: the app's drawing and faster projections) for this many minutes into the export, as python -m cgan.train_encoder does; 0: none"})
    no_onnx: bool = field(default=False, metadata={"help": "skip model.onnx, the copy of the final generator that the app's instant mode runs in the browser (exporting it needs the onnx and onnxscript packages)"})
    tracker: str = field(default="none", metadata={"help": f"also send the training curves and sample grids to: {', '.join(TRACKERS)} (optional packages); RUN/curves.png is drawn either way"})
    push_to_hub: Optional[str] = field(default=None, metadata={"help": "USER/REPO to publish the export to at the end"})
    hub_private: bool = field(default=False, metadata={"help": "create the Hub repo as private"})
    hub_revision: Optional[str] = field(default=None, metadata={"help": "Hub branch to push to (created if missing)"})
    push_every: Optional[int] = field(default=None, metadata={"help": "also push every this many epochs"})

    def validate(self) -> None:
        """Raise ValueError for values that would fail later; runs before any work starts."""
        if self.dataset not in DATASETS and not is_hub_dataset(self.dataset):
            raise ValueError(f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)} or hf:NAME")
        if self.arch not in ARCHS:
            raise ValueError(f"unknown preset {self.arch!r}; choose one of {', '.join(ARCHS)}")
        if self.loss is not None and self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.d_conditioning is not None and self.d_conditioning not in D_CONDITIONINGS:
            raise ValueError(f"unknown d_conditioning {self.d_conditioning!r}; choose one of {', '.join(D_CONDITIONINGS)}")
        for name, allowed in (("lr_decay", LR_DECAYS), ("g_norm", G_NORMS), ("g_upsample", G_UPSAMPLES), ("g_output", G_OUTPUTS),
                              ("d_norm", D_NORMS), ("d_head", D_HEADS),
                              ("compile", COMPILE_MODES), ("precision", PRECISIONS), ("tracker", TRACKERS)):
            if getattr(self, name) is not None and getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(allowed)}")
        if self.device not in DEVICES:
            raise ValueError(f"unknown device {self.device!r}; choose one of {', '.join(DEVICES)}")
        positive = ["beta2", "penalty_every", "ema_halflife_images", "log_every", "checkpoint_every"]
        optional_positive = ["epochs", "max_images", "batch_ramp", "batch_size", "max_steps", "max_minutes", "lr", "lr_d", "image_size", "z_dim", "g_dim", "d_dim", "d_depth",
                             "snapshot_every_images", "push_every"]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"--{f.name.replace('_', '-')} must be a finite number, got {value}")
        for name in positive + [n for n in optional_positive if getattr(self, n) is not None]:
            if not getattr(self, name) > 0:
                raise ValueError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.epochs is not None and self.max_images is not None:
            raise ValueError("--epochs and --max-images both set the run's length; give one")
        if self.batch_ramp is not None and not (self.batch_ramp <= MAX_BATCH_RAMP and self.batch_ramp & (self.batch_ramp - 1) == 0):
            raise ValueError(f"--batch-ramp must be a power of two from 1 to {MAX_BATCH_RAMP}, got {self.batch_ramp}")
        if self.lr_decay_start is not None and not 0 <= self.lr_decay_start < 1:
            raise ValueError(f"--lr-decay-start must be in [0, 1), got {self.lr_decay_start}")
        for name in ("aux_weight", "aux_g_weight", "gamma"):
            if getattr(self, name) is not None and not getattr(self, name) >= 0:
                raise ValueError(f"--{name.replace('_', '-')} must be 0 or more, got {getattr(self, name)}")
        if self.beta1 is not None and not 0 <= self.beta1 < 1:
            raise ValueError(f"--beta1 must be in [0, 1), got {self.beta1}")
        if self.bn_recalibration_batches < 0:
            raise ValueError("--bn-recalibration-batches must be 0 or more")
        if self.d_warmup_images < 0:
            raise ValueError("--d-warmup-images must be 0 or more")
        if not 0 <= self.encoder_minutes <= 24 * 60:
            raise ValueError(f"--encoder-minutes must be from 0 to a day (1440), got {self.encoder_minutes}")
        if self.resume and self.overwrite:
            raise ValueError("--resume and --overwrite contradict each other; pick one")
        if self.push_to_hub is not None and self.push_to_hub.count("/") != 1:
            raise ValueError(f"--push-to-hub wants USER/REPO, got {self.push_to_hub!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# What each preset sets. Flags the user gives explicitly win over these.
PRESETS: dict[str, dict[str, Any]] = {
    # The CPU default: a lean DCGAN-style generator at 28x28 with class-conditional BatchNorm, its Tanh output
    # stretched per image a little past black and white and clipped, and a spectral-norm projection discriminator
    # with two convs at 14x14 and at 7x7, a weight per position in its last layer and an auxiliary classifier head
    # that trains D only; the relativistic pairing loss with lazy R1 + R2 penalties. Its schedule: learning rate
    # 4e-4 held for half the run, then falling linearly to zero, the batch growing from 16 to 256 over the last 40
    # per cent, 50 epochs (3,000,000 images) unless told otherwise. docs/results.md has what each choice measured.
    "fast": dict(model=dict(arch="fast", z_dim=64, g_dim=64, d_dim=32, d_conditioning="projection", d_depth=2,
                            g_norm="conditional", d_head="spatial", g_output="full-range-clipped"),
                 loss="relativistic", aux_weight=1.0, aux_g_weight=0.0, lr=4e-4, beta1=0.5, batch_size=16,
                 lr_decay="linear", lr_decay_start=0.5, batch_ramp=16, epochs=50,
                 gpu=dict(batch_size=512, batch_ramp=1)),
    # The reference design, with its exact shapes (32x32, dims 128/96, BCE, label as channels).
    "reference": dict(model=dict(arch="reference", z_dim=100, g_dim=128, d_dim=96, d_conditioning="channels"),
                      loss="bce", lr=2e-4, beta1=0.5, batch_size=64,
                      gpu=dict(batch_size=512)),
    # Mirza & Osindero (2014): MLP generator and maxout discriminator with dropout.
    "paper": dict(model=dict(arch="paper", z_dim=100, g_dim=1200, d_dim=240, d_conditioning="channels"),
                  loss="bce", lr=2e-4, beta1=0.5, batch_size=100),
}


def resolve(train: TrainConfig, *, class_names: list[str], channels: int, native_size: int,
            device_type: str = "cpu") -> tuple[ModelConfig, dict[str, Any]]:
    """Combine preset, dataset facts and explicit flags into the model config and the optimiser settings.

    On CUDA a preset's `gpu` entry (a larger batch and its learning rates) replaces its CPU choices.
    """
    preset = dict(PRESETS[train.arch])
    if device_type == "cuda":
        preset.update(preset.get("gpu", {}))
    model_fields = dict(preset["model"])
    for name in ("z_dim", "g_dim", "d_dim", "d_conditioning", "d_depth", "g_norm", "g_upsample", "g_output",
                 "d_norm", "d_head"):
        if getattr(train, name) is not None:
            model_fields[name] = getattr(train, name)
    aux_weight = preset.get("aux_weight", 0.0) if train.aux_weight is None else train.aux_weight
    model_fields["d_classifier"] = aux_weight > 0
    if train.arch == "reference":
        image_size = train.image_size or 32
    else:
        image_size = train.image_size or native_size
    model = ModelConfig(num_classes=len(class_names), class_names=list(class_names), channels=channels,
                        image_size=image_size, native_size=min(native_size, image_size), **model_fields)
    model.validate()
    lr = train.lr or preset["lr"]
    loss = train.loss or preset["loss"]
    default_gamma = 0.1 if loss == "relativistic" else 0.0
    optim = dict(loss=loss, aux_weight=aux_weight, penalty_every=train.penalty_every,
                 gamma=default_gamma if train.gamma is None else train.gamma,
                 aux_g_weight=preset.get("aux_g_weight", aux_weight) if train.aux_g_weight is None else train.aux_g_weight,
                 lr=lr,
                 lr_d=train.lr_d or lr * preset.get("lr_d_ratio", 1.0),
                 lr_decay=train.lr_decay or ("linear" if train.lr_decay_start is not None else preset.get("lr_decay", "none")),
                 lr_decay_start=preset.get("lr_decay_start", 0.0) if train.lr_decay_start is None else train.lr_decay_start,
                 batch_size=train.batch_size or preset["batch_size"],
                 batch_ramp=train.batch_ramp or preset.get("batch_ramp", 1),
                 epochs=None if train.max_images else train.epochs or preset.get("epochs", 8),
                 beta1=preset["beta1"] if train.beta1 is None else train.beta1, beta2=train.beta2)
    return model, optim
