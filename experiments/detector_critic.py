"""A second critic of the detector's shape: does training G against it lower the two-sample detector?

    python experiments/detector_critic.py --out runs/critic [--g-lr-ratio 0.5] -- --init-from weights \\
        --max-steps 21000 --d-warmup-images 128000 --lr 1e-4 --lr-decay-start 0.6905 --ema-halflife-images 100000 \\
        --ema-rampup 0

The GAN's spectral-normed discriminator, trained as a detector, reaches 0.65 where the detector's own network
(BatchNorm after each conv) reaches 0.86 (docs/quality.md, "Can the discriminator see it?"): most of the cue is out
of its reach. This trains, beside the run's own pair, a critic of the detector's network with one logit (real and
generated images normalised as one batch, binary cross-entropy, no class input), and after each of the run's steps
one more generator step against it (non-saturating loss, its own Adam at --g-lr-ratio times the run's learning rate).
While the run's --d-warmup-images hold G still, the critic learns alone, so G meets a critic that already reads the
cue. The critic's accuracy on its training batches is logged to OUT/critic.jsonl every --log-every steps; it is saved
with each checkpoint, so an interrupted run continues with the same command. The run folder is OUT/run.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))  # also when loaded as a module, not run as a script

from hooked_run import run_config  # noqa: E402


def attach_critic(trainer, *, critic_lr: float, g_lr_ratio: float, log_every: int, log_path: Path):
    """Hook the critic into a Trainer: after each step it learns, and (past the warm-up) G takes a step against it.
    Returns the critic."""
    import torch
    import torch.nn.functional as F

    from cgan.data import to_float
    from cgan.evaluation.classifier import Classifier
    from cgan.files import atomic_path
    from cgan.models import one_hot

    config, mc = trainer.config, trainer.model_config
    torch.manual_seed(config.seed + 17)
    critic = Classifier(channels=mc.channels, image_size=mc.image_size, num_classes=1)
    opt_c = torch.optim.Adam(critic.parameters(), lr=critic_lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(trainer.generator.parameters(), lr=0.0, betas=(trainer.optim["beta1"], trainer.optim["beta2"]))
    rng = torch.Generator().manual_seed(config.seed * 31 + 5)
    saved = trainer.out_dir / "critic.pt"
    window = {"correct": 0.0, "count": 0, "loss_g": 0.0, "g_steps": 0}
    if trainer.resuming and saved.is_file():
        state = torch.load(saved, map_location="cpu", weights_only=False)
        if state["step"] != trainer.step:
            raise RuntimeError(f"{saved} is from step {state['step']}, the checkpoint from {trainer.step}")
        critic.load_state_dict(state["critic"])
        opt_c.load_state_dict(state["opt_c"])
        opt_g.load_state_dict(state["opt_g"])
        rng.set_state(state["rng"])
    if trainer.resuming and log_path.is_file():  # lines past the checkpoint are logged again
        lines = log_path.read_text().splitlines()
        log_path.write_text("".join(line + "\n" for line in lines if json.loads(line)["step"] <= trainer.step))

    def batch():
        idx = torch.randint(len(trainer.data.images), (trainer.batch_size,), generator=rng)
        real = to_float(trainer.data.images[idx], mc.image_size)
        labels = trainer.data.labels[idx]
        z = torch.randn(len(idx), mc.z_dim, generator=rng)
        return real, labels, z

    def step(trainer):
        real, labels, z = batch()
        condition = one_hot(labels, mc.num_classes)
        critic.train()
        with torch.no_grad(), trainer.autocast():
            fake = trainer.generator(z, condition)
        with trainer.autocast():
            logits = critic(torch.cat([real, fake.float()])).float().squeeze(1)
        target = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
        loss_c = F.binary_cross_entropy_with_logits(logits, target)
        opt_c.zero_grad(set_to_none=True)
        loss_c.backward()
        opt_c.step()
        window["correct"] += ((logits > 0).float() == target).float().sum().item()
        window["count"] += len(target)
        if trainer.step > trainer.warmup_steps:  # G moves against the critic once the run's own warm-up is over
            for group in opt_g.param_groups:
                group["lr"] = trainer.opt_g.param_groups[0]["lr"] * g_lr_ratio
            critic.requires_grad_(False)
            with trainer.autocast():
                fake = trainer.generator(z, condition)
                logits = critic(torch.cat([real, fake])).float().squeeze(1)[len(real):]
            loss_g = F.softplus(-logits).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            critic.requires_grad_(True)
            window["loss_g"] += loss_g.item()
            window["g_steps"] += 1
        if trainer.step % log_every == 0:
            record = {"step": trainer.step, "critic_accuracy": window["correct"] / max(window["count"], 1),
                      "critic_loss_g": window["loss_g"] / max(window["g_steps"], 1) if window["g_steps"] else None}
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            window.update(correct=0.0, count=0, loss_g=0.0, g_steps=0)

    def checkpoint(trainer):
        with atomic_path(saved) as tmp:
            torch.save({"step": trainer.step, "critic": critic.state_dict(), "opt_c": opt_c.state_dict(),
                        "opt_g": opt_g.state_dict(), "rng": rng.get_state()}, tmp)

    trainer.on("step", step)
    trainer.on("checkpoint", checkpoint)
    return critic


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", required=True, help="experiment folder; the run is OUT/run")
    parser.add_argument("--critic-lr", type=float, default=2e-4, help="the critic's Adam learning rate")
    parser.add_argument("--g-lr-ratio", type=float, default=0.5,
                        help="G's step against the critic, as a share of the run's learning rate at that step")
    parser.add_argument("--log-every", type=int, default=500, help="steps per line of OUT/critic.jsonl")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("train_flags", nargs=argparse.REMAINDER, help="-- then train.py flags")
    args = parser.parse_args()
    config = run_config(args.out, args.train_flags, threads=args.threads, description="detector critic (train.py flags)")
    import torch

    from cgan.training.distributed import Distributed
    from cgan.training.loop import Trainer
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(config, torch.device("cpu"), Distributed())
    attach_critic(trainer, critic_lr=args.critic_lr, g_lr_ratio=args.g_lr_ratio, log_every=args.log_every,
                  log_path=out / "critic.jsonl")
    try:
        export = trainer.fit()
    except KeyboardInterrupt:
        sys.exit("stopped; the newest checkpoint and critic.pt are kept: run the same command to continue")
    print(f"exported the EMA generator to {export}")


if __name__ == "__main__":
    main()
