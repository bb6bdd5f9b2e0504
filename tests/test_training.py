"""The training loop: real steps on Fashion-MNIST, EMA, BatchNorm recalibration, checkpoints and resume."""
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from cgan.training import checkpoints
from cgan.export import load_export
from cgan.models import build_discriminator, one_hot
from cgan.sampling import generate
from cgan.training.ema import recalibrate_batchnorm
from cgan.training.run_folder import RunExistsError
from cgan.training.schedules import ema_beta
from cgan.training.losses import discriminator_loss, generator_loss, gradient_penalty
from conftest import make_trainer


def test_a_few_real_steps_give_finite_losses_and_move_the_ema(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=5)
    before = [p.clone() for p in trainer.generator_ema.parameters()]
    trainer.fit()
    after = list(trainer.generator_ema.parameters())
    assert any((a - b).abs().max() > 0 for a, b in zip(after, before))
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3, 4, 5]
    for record in lines:
        assert {"step", "epoch", "loss_d", "loss_g", "images_per_s"} <= set(record)
        assert all(torch.isfinite(torch.tensor(record[k])) for k in ("loss_d", "loss_g"))
    assert (tmp_path / "run" / "config.json").is_file()  # resolved config saved
    assert (tmp_path / "run" / "export" / "samples.png").is_file()


def test_bce_and_label_channels_stay_selectable(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=2, loss="bce", d_conditioning="channels")
    assert trainer.optim["loss"] == "bce"
    assert trainer.discriminator.features[0].in_channels == 1 + 10
    trainer.fit()


def test_the_auxiliary_classifier_loss_teaches_the_discriminator_the_classes(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=60, aux_weight=1.0)
    assert trainer.model_config.d_classifier and trainer.optim["aux_weight"] == 1.0
    images, labels = trainer.batch(0, {})
    condition = one_hot(labels, 10)

    def accuracy():
        with torch.no_grad():
            return (trainer.discriminator(images, condition, classes=True)[1].argmax(1) == labels).float().mean()

    before = accuracy()
    trainer.fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor([r["loss_d"], r["loss_g"]])).all() for r in lines)
    assert accuracy() > max(before, 0.3)  # chance is 0.1
    plain = make_trainer(tmp_path / "plain", small_fashion, max_steps=1, aux_weight=0.0)
    assert not plain.model_config.d_classifier and plain.optim["aux_weight"] == 0
    assert make_trainer(tmp_path / "default", small_fashion, max_steps=1).optim["aux_weight"] == 1.0  # fast preset


def test_ema_half_life_is_in_images():
    beta = ema_beta(batch_images=64, images_seen=10**9, halflife_images=6400, rampup=0.05)
    assert beta ** 100 == pytest.approx(0.5)  # 100 steps of 64 images halve the weight of the past
    early = ema_beta(batch_images=64, images_seen=640, halflife_images=6400, rampup=0.05)
    assert early < beta  # ramp-up: short half-life at the start


def test_batchnorm_recalibration_matches_the_weights(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=3)
    trainer.fit()
    ema = trainer.generator_ema
    for m in ema.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.fill_(5.0)  # deliberately wrong statistics
    recalibrate_batchnorm(ema, batches=20, batch_size=32, seed=1)
    # After recalibration, eval-mode activations of the first BN are standardised again.
    bn = next(m for m in ema.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert bn.running_mean.abs().max() < 5.0
    images = generate(ema, list(range(10)), list(range(10)))
    assert torch.isfinite(images).all()


def test_export_then_load_gives_identical_outputs(tiny_export):
    a = load_export(tiny_export)
    b = load_export(tiny_export)
    labels, seeds = [0, 3, 9, 9], [5, 6, 7, 8]
    assert torch.equal(generate(a, labels, seeds), generate(b, labels, seeds))
    config = json.loads((tiny_export / "config.json").read_text())
    assert config["class_names"][0] == "T-shirt/top" and config["class_names"][9] == "Ankle boot"
    assert config["training"]["steps"] == 6
    assert not list(tiny_export.glob("*.pt")) and not list(tiny_export.glob("*.pkl"))


def test_resume_continues_the_step_count_and_matches_an_uninterrupted_run(tmp_path, small_fashion):
    straight = make_trainer(tmp_path / "straight", small_fashion, max_steps=6)
    straight.fit()
    # A run of the same budget killed after its step-3 checkpoint: its later files never happened.
    first = make_trainer(tmp_path / "split", small_fashion, max_steps=6, checkpoint_every=3)
    first.fit()
    for late in checkpoints.list_checkpoints(tmp_path / "split")[1:]:
        late.unlink()
    saved = checkpoints.load_latest(tmp_path / "split")
    assert saved["step"] == 3
    resumed = make_trainer(tmp_path / "split", small_fashion, max_steps=6, resume=True)
    assert resumed.step == 3
    # identical optimiser state after loading
    for a, b in zip(resumed.opt_g.state_dict()["state"].values(), saved["opt_g"]["state"].values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    resumed.fit()
    assert resumed.step == 6
    for (name, a), b in zip(straight.generator.state_dict().items(), resumed.generator.state_dict().values()):
        assert torch.equal(a, b), name
    steps = [json.loads(line)["step"] for line in (tmp_path / "split" / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_an_existing_run_is_never_overwritten_silently(tmp_path, small_fashion):
    make_trainer(tmp_path / "run", small_fashion, max_steps=1).fit()
    with pytest.raises(RunExistsError, match="--resume"):
        make_trainer(tmp_path / "run", small_fashion, max_steps=1)
    make_trainer(tmp_path / "run", small_fashion, max_steps=1, overwrite=True)


def test_checkpoints_are_atomic_and_pruned(tmp_path):
    for step in (1, 2, 3):
        checkpoints.save_checkpoint(tmp_path, step, {"step": step, "w": torch.ones(2) * step})
    (checkpoints.checkpoint_dir(tmp_path) / ".step-00000004.pt.tmp").write_bytes(b"half a file")
    names = [p.name for p in checkpoints.list_checkpoints(tmp_path)]
    assert names == ["step-00000002.pt", "step-00000003.pt"]
    assert checkpoints.load_latest(tmp_path)["step"] == 3


def test_foreach_ema_update_matches_the_formula():
    from cgan.models import build_generator
    from cgan.training.ema import update_ema
    from test_models import tiny_model

    torch.manual_seed(0)
    model, ema = build_generator(tiny_model("fast")), build_generator(tiny_model("fast"))
    with torch.no_grad():
        model(torch.randn(8, 16), torch.eye(10)[:8])  # a train-mode pass: its BN statistics now differ
    expected = [0.9 * e + 0.1 * m for e, m in zip(ema.parameters(), model.parameters())]
    update_ema(ema, model, 0.9)
    for got, want in zip(ema.parameters(), expected):
        torch.testing.assert_close(got, want)
    for got, want in zip(ema.buffers(), model.buffers()):
        assert torch.equal(got, want)  # BatchNorm statistics are copied


def test_linear_decay_brings_the_learning_rate_to_zero_at_the_last_step(tmp_path, small_fashion):
    from cgan.training.schedules import lr_factor

    assert lr_factor("linear", 0, 100) == 1.0 and lr_factor("linear", 50, 100) == 0.5
    assert lr_factor("none", 99, 100) == 1.0
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=4, lr=1e-3, lr_d=4e-3, lr_decay="linear",
                           lr_decay_start=0.0, batch_ramp=1)
    trainer.fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["lr"] for r in lines] == pytest.approx([1e-3, 0.75e-3, 0.5e-3, 0.25e-3])
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(4e-3 * 0.25)  # D keeps its own base rate


def test_a_late_linear_decay_holds_the_learning_rate_then_brings_it_to_zero(tmp_path, small_fashion):
    from cgan.training.schedules import lr_factor

    assert [lr_factor("linear", s, 100, 0.8) for s in (0, 80, 90, 100)] == pytest.approx([1.0, 1.0, 0.5, 0.0])
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=8, lr=1e-3, lr_decay="linear", lr_decay_start=0.5,
                           batch_ramp=1)
    trainer.fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["lr"] for r in lines] == pytest.approx([1e-3] * 5 + [0.75e-3, 0.5e-3, 0.25e-3])


def test_train_step_returns_device_statistics_without_reading_them(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=1)
    stats = trainer.train_step(*trainer.batch(0, {}))
    assert isinstance(stats, torch.Tensor) and stats.shape == (4,) and not stats.requires_grad
    assert torch.isfinite(stats).all()


def test_a_run_from_a_full_range_export_can_train_on_with_the_clipped_output(tmp_path, small_fashion):
    source = make_trainer(tmp_path / "source", small_fashion, max_steps=1, g_output="full-range").fit()
    export = make_trainer(tmp_path / "run", small_fashion, init_from=str(source), max_steps=1,
                          g_output="full-range-clipped").fit()
    generator = load_export(export)
    assert generator.config.g_output == "full-range-clipped"
    images = generate(generator, [0, 3, 9], [1, 2, 3])
    assert images.amin().item() == -1.0 and images.amax().item() == 1.0
    # without --g-output a run keeps the output of the generator it starts from, not the preset's
    kept = make_trainer(tmp_path / "kept", small_fashion, init_from=str(export), max_steps=1).fit()
    assert load_export(kept).config.g_output == "full-range-clipped"
    back = make_trainer(tmp_path / "back", small_fashion, init_from=str(export), max_steps=1, g_output="tanh").fit()
    assert load_export(back).config.g_output == "tanh"


def test_a_full_range_run_exports_a_generator_whose_every_image_spans_black_to_white(tmp_path, small_fashion):
    export = make_trainer(tmp_path / "run", small_fashion, max_steps=2, g_output="full-range").fit()
    generator = load_export(export)
    assert generator.config.g_output == "full-range"
    images = generate(generator, [0, 3, 9], [1, 2, 3])
    assert images.amin(dim=(1, 2, 3)).tolist() == pytest.approx([-1.0] * 3)
    assert images.amax(dim=(1, 2, 3)).tolist() == pytest.approx([1.0] * 3)


def test_failed_compilation_falls_back_to_eager_training(tmp_path, small_fashion, monkeypatch, capsys):
    def broken_compile(module, **kwargs):
        def call(*args, **kw):
            raise RuntimeError("simulated inductor failure")
        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    eager = make_trainer(tmp_path / "eager", small_fashion, max_steps=3, compile="off")
    eager.fit()
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=3, compile="on")
    assert trainer.compiled
    trainer.fit()
    assert not trainer.compiled and trainer.step == 3
    assert "training continues without compilation" in capsys.readouterr().out
    # The failed step was undone: the run equals one that never tried to compile.
    for a, b in zip(trainer.generator.parameters(), eager.generator.parameters()):
        torch.testing.assert_close(a, b)


def test_gpu_runs_get_the_presets_gpu_batch_unless_told_otherwise():
    from cgan.config import PRESETS, TrainConfig, resolve

    names = [str(i) for i in range(10)]
    _, cpu = resolve(TrainConfig(), class_names=names, channels=1, native_size=28)
    _, gpu = resolve(TrainConfig(), class_names=names, channels=1, native_size=28, device_type="cuda")
    _, chosen = resolve(TrainConfig(batch_size=48), class_names=names, channels=1, native_size=28, device_type="cuda")
    assert cpu["batch_size"] == PRESETS["fast"]["batch_size"]
    assert gpu["batch_size"] == PRESETS["fast"]["gpu"]["batch_size"] > cpu["batch_size"]
    assert chosen["batch_size"] == 48


def test_one_run_lays_its_whole_schedule_over_its_image_budget(tmp_path, small_fashion):
    # 16 x 100 images: the rate holds for the first half and then falls to zero; the batch doubles at 60, 70, 80
    # and 90 per cent (from the first step at or past each), up to 16 times the first.
    trainer = make_trainer(tmp_path / "run", small_fashion, max_images=1600, lr=1e-3, batch_ramp=16)
    trainer.fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    batches = [r["batch"] for r in lines]
    assert batches[:50] == [16] * 50 and batches[-1] == 256 and sorted(batches) == batches
    assert {r["batch"]: r["images_seen"] - r["batch"] for r in reversed(lines)} == {16: 0, 32: 960, 64: 1120,
                                                                                     128: 1312, 256: 1440}
    assert [r["lr"] for r in lines[:51]] == pytest.approx([1e-3] * 51)
    assert lines[-1]["lr"] < 0.2e-3 and trainer.images_seen == 1696 and trainer.progress() >= 1
    exported = json.loads((tmp_path / "run" / "export" / "config.json").read_text())["training"]
    assert (exported["images_seen"], exported["batch_ramp"]) == (1696, 16)


def test_a_run_resumed_in_the_middle_of_its_batch_ramp_matches_an_uninterrupted_one(tmp_path, small_fashion):
    straight = make_trainer(tmp_path / "straight", small_fashion, max_images=640, batch_ramp=16)
    straight.fit()
    first = make_trainer(tmp_path / "split", small_fashion, max_images=640, checkpoint_every=26, batch_ramp=16)
    first.fit()
    for late in checkpoints.list_checkpoints(tmp_path / "split")[1:]:
        late.unlink()
    resumed = make_trainer(tmp_path / "split", small_fashion, max_images=640, resume=True, batch_ramp=16)
    assert resumed.step == 26 and resumed.images_seen == 16 * 24 + 32 * 2  # two steps into the doubled batch
    resumed.fit()
    assert (resumed.step, resumed.images_seen, resumed.data.cursor) == (straight.step, straight.images_seen,
                                                                          straight.data.cursor)
    for (name, a), b in zip(straight.generator.state_dict().items(), resumed.generator.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_timed_run_decays_its_learning_rate_over_the_time_budget(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=1000, max_minutes=10, lr=1e-3, lr_decay="linear",
                           lr_decay_start=0.0)
    trainer.synced_train_seconds = 450.0  # three quarters of the budget spent, 0 of 1000 steps done
    trainer.set_learning_rates()
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(0.25e-3)
    trainer.step = 900  # steps further along than time: steps rule
    trainer.set_learning_rates()
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(0.1e-3)


def test_bf16_autocast_trains_on_the_cpu_and_keeps_fp32_weights(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=3, precision="bf16")
    assert trainer.bf16
    seen = []
    hook = trainer.generator.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    stats = trainer.train_step(*trainer.batch(0, {}))
    hook.remove()
    assert seen == [torch.bfloat16]  # the arithmetic ran in bf16 ...
    assert torch.isfinite(stats).all()
    networks = (trainer.generator, trainer.discriminator, trainer.generator_ema)
    assert all(p.dtype == torch.float32 for net in networks for p in net.parameters())  # ... the weights did not
    export = trainer.fit()
    assert json.loads((export / "config.json").read_text())["training"]["precision"] == "bf16 autocast"


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_is_bf16_only_on_cpus_with_bf16_in_hardware(monkeypatch, native):
    from cgan import devices

    monkeypatch.setattr(devices, "native_bf16_cpu", lambda: native)
    assert devices.uses_bf16("auto", torch.device("cpu")) is native
    assert devices.uses_bf16("fp32", torch.device("cpu")) is False
    assert devices.uses_bf16("bf16", torch.device("cpu")) is True
    assert devices.uses_bf16("auto", torch.device("cuda")) is False  # TF32 there, bf16 only when asked


def test_the_generator_can_train_without_the_auxiliary_classifier_term(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=1, aux_weight=1.0, aux_g_weight=0.0)
    assert trainer.optim["aux_weight"] == 1.0 and trainer.optim["aux_g_weight"] == 0.0
    assert trainer.model_config.d_classifier  # D still learns the classes
    calls = []
    original = trainer.networks.d_for_g
    trainer.networks.d_for_g = lambda *args, **kwargs: calls.append(kwargs) or original(*args, **kwargs)
    trainer.train_step(*trainer.batch(0, {}))
    assert calls == [{}]  # G's update asked D for the real/fake logit only, not for class logits
    default = make_trainer(tmp_path / "default", small_fashion, max_steps=1, aux_weight=0.5)
    assert default.optim["aux_g_weight"] == 0.0  # unset: the fast preset's, whatever D's weight
    reference = make_trainer(tmp_path / "reference", small_fashion, max_steps=1, arch="reference", aux_weight=0.5)
    assert reference.optim["aux_g_weight"] == 0.5  # a preset without its own: the same weight as D's


def test_the_relativistic_loss_scores_each_fake_against_its_paired_real_image():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 3.0])
    softplus = torch.nn.functional.softplus
    assert torch.isclose(discriminator_loss("relativistic", real, fake), softplus(fake - real).mean())
    assert torch.isclose(generator_loss("relativistic", fake, real), softplus(real - fake).mean())
    # Shifting both logits by the same amount changes nothing: only the pair's difference counts.
    assert torch.isclose(discriminator_loss("relativistic", real + 7, fake + 7), softplus(fake - real).mean())


def test_the_gradient_penalty_is_the_mean_squared_input_gradient():
    weight = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    images = torch.randn(5, 1, 2, 2, requires_grad=True)
    logits = (images[:, 0] * weight).sum(dim=(1, 2))  # a linear D: its input gradient is `weight` everywhere
    assert torch.isclose(gradient_penalty(logits, images), torch.tensor(25.0))
    quadratic = (images ** 2).sum(dim=(1, 2, 3))  # gradient 2x: penalty 4 E‖x‖², and it has a gradient itself
    penalty = gradient_penalty(quadratic, images)
    assert torch.isclose(penalty, 4 * images.detach().square().sum(dim=(1, 2, 3)).mean())
    assert penalty.requires_grad


def test_the_gradient_penalties_apply_lazily_every_few_steps(tmp_path, small_fashion):
    def discriminator_after(step, gamma):
        torch.manual_seed(0)
        trainer = make_trainer(tmp_path / f"run-{step}-{gamma}", small_fashion, max_steps=1, loss="relativistic",
                               gamma=gamma, penalty_every=4)
        trainer.step = step
        trainer.train_step(*trainer.batch(0, {}))
        return torch.cat([p.detach().flatten() for p in trainer.discriminator.parameters()])

    assert make_trainer(tmp_path / "default", small_fashion, max_steps=1).optim["gamma"] == 0.1  # relativistic
    assert make_trainer(tmp_path / "hinge", small_fashion, max_steps=1, loss="hinge").optim["gamma"] == 0.0
    assert not torch.equal(discriminator_after(4, 0.0), discriminator_after(4, 10.0))  # a penalty step
    assert torch.equal(discriminator_after(5, 0.0), discriminator_after(5, 10.0))  # between penalty steps


def test_a_relativistic_run_trains_with_finite_losses(tmp_path, small_fashion):
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=6, loss="relativistic", penalty_every=2)
    trainer.fit()
    lines = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor([r["loss_d"], r["loss_g"]])).all() for r in lines)


def test_a_run_can_start_from_a_trained_generator_and_warm_its_discriminator_up_first(tmp_path, small_fashion,
                                                                                     tiny_export):
    source = load_export(tiny_export).state_dict()
    run = make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), d_warmup_images=3 * 16,
                       max_steps=3)
    for name, tensor in run.generator.state_dict().items():
        assert torch.equal(tensor, source[name]) and torch.equal(run.generator_ema.state_dict()[name], tensor), name
    d_before = {k: v.clone() for k, v in run.discriminator.state_dict().items()}
    assert d_before.keys() == (d_exported := load_file(tiny_export / "discriminator.safetensors")).keys()
    assert all(torch.equal(d_before[name], d_exported[name]) for name in d_exported)  # D travels with the export
    run.fit()  # three steps, all of them the discriminator's warm-up
    for name, weight in run.generator.named_parameters():
        assert torch.equal(weight, source[name]), name
    assert any(not torch.equal(v, d_before[k]) for k, v in run.discriminator.state_dict().items())
    logged = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [record["loss_g"] for record in logged] == [0.0, 0.0, 0.0]
    assert load_export(tmp_path / "run" / "export").config.to_dict()["class_names"] == small_fashion.class_names

    on = make_trainer(tmp_path / "run", small_fashion, resume=True, init_from=str(tiny_export),
                      d_warmup_images=3 * 16, max_steps=5)
    on.fit()  # past the warm-up, G learns
    assert any(not torch.equal(weight, source[name]) for name, weight in on.generator.named_parameters())
    training = json.loads((tmp_path / "run" / "export" / "config.json").read_text())["training"]
    assert training["init_from"] == str(tiny_export)
    assert training["started_from"] == load_export(tiny_export).metadata["training"]  # kept through --resume


def test_an_export_records_every_generator_it_started_from_and_its_card_counts_them_all(tmp_path, small_fashion,
                                                                                        tiny_export):
    from cgan.export.model_card import card_text
    first = make_trainer(tmp_path / "first", small_fashion, init_from=str(tiny_export), max_steps=2).fit()
    second = make_trainer(tmp_path / "second", small_fashion, init_from=str(first), max_steps=3).fit()
    records = [load_export(folder).metadata["training"] for folder in (tiny_export, first, second)]
    assert [r["steps"] for r in records] == [6, 2, 3]
    assert records[2]["started_from"] == records[1] and records[1]["started_from"] == records[0]
    assert "started_from" not in records[0]  # trained from scratch
    hours = sum(r["train_seconds"] for r in records) / 3600
    assert (f"- started from `{first}` (`--init-from`), a generator trained for {(6 + 2) * 16} images "
            f"({(records[0]['train_seconds'] + records[1]['train_seconds']) / 3600:.2f} h) in 2 run(s) before; "
            f"in all: {(6 + 2 + 3) * 16} images, {hours:.2f} h of training") in card_text(second, "tester/chain")
    assert "started from" not in card_text(tiny_export, "tester/scratch")
    config = json.loads((second / "config.json").read_text())  # a hand-made record: what is not a number counts 0
    config["training"]["started_from"] = {"images_seen": "many", "train_seconds": None, "started_from": "junk"}
    (second / "config.json").write_text(json.dumps(config))
    assert "trained for 0 images (0.00 h) in 1 run(s) before; in all: 48 images" in card_text(second, "tester/odd")


def test_a_run_resumed_from_a_checkpoint_without_the_record_reads_it_again_or_goes_on_without(tmp_path, small_fashion,
                                                                                              tiny_export, capsys):
    source = tmp_path / "source"
    shutil.copytree(tiny_export, source)
    expected = load_export(source).metadata["training"]
    for gone in (False, True):
        run = tmp_path / f"run-{gone}"
        make_trainer(run, small_fashion, init_from=str(source), max_steps=2).fit()
        newest = checkpoints.list_checkpoints(run)[-1]
        state = torch.load(newest, weights_only=True)
        del state["started_from"]  # as checkpoints were written before they kept it
        torch.save(state, newest)
        if gone:
            shutil.rmtree(source)
        make_trainer(run, small_fashion, init_from=str(source), resume=True, max_steps=3).fit()
        training = load_export(run / "export").metadata["training"]
        assert training["steps"] == 3 and training["started_from"] == ({} if gone else expected)
    assert "is not at hand" in capsys.readouterr().out


def test_a_starting_generators_record_is_kept_small_whatever_its_config_holds(tmp_path, tiny_export):
    source = tmp_path / "hostile"
    shutil.copytree(tiny_export, source)
    config = json.loads((source / "config.json").read_text())
    chain = {"steps": 1}
    for generation in range(200):  # a lineage far longer than is kept
        chain = {"steps": generation + 2, "started_from": chain}
    config["training"] = {"steps": 7, "note": "x" * 5000, "optimizer": {"lr": 0.1, "blob": list(range(50))},
                          **{f"field{i}": i for i in range(30_000)}, "started_from": chain}
    (source / "config.json").write_text(json.dumps(config))
    record = checkpoints.training_record(str(source))
    assert len(json.dumps(record)) <= checkpoints.MAX_RECORD_BYTES  # so an export that inherits it stays loadable
    assert record == {}  # its own fields alone are over the bound: nothing of it is inherited
    del config["training"]["note"]
    for i in range(30_000):
        del config["training"][f"field{i}"]
    (source / "config.json").write_text(json.dumps(config))
    record = checkpoints.training_record(str(source))
    assert record["steps"] == 7 and record["optimizer"] == {"lr": 0.1}  # the long list is dropped
    depth, link = 0, record
    while "started_from" in link:
        depth, link = depth + 1, link["started_from"]
    assert depth == checkpoints.MAX_LINEAGE


def test_an_export_without_a_discriminator_or_with_another_design_of_it_starts_d_afresh(tmp_path, small_fashion,
                                                                                         tiny_export):
    exported = load_file(tiny_export / "discriminator.safetensors")
    for name, overrides in (("without", {}), ("other", {"d_dim": 4})):  # a narrower D is not widened
        source = tmp_path / name
        shutil.copytree(tiny_export, source)
        if name == "without":
            (source / "discriminator.safetensors").unlink()
        run = make_trainer(tmp_path / f"run-{name}", small_fashion, init_from=str(source), max_steps=1, **overrides)
        fresh = run.discriminator.state_dict()
        if name == "without":  # the run's own seeded initialisation, not the exported weights
            assert any(not torch.equal(fresh[k], v) for k, v in exported.items())
        else:  # built to this run's d_dim, which the exported weights would not fit
            assert any(fresh[k].shape != v.shape for k, v in exported.items())


def test_a_run_without_spectral_norm_starts_from_the_exported_spectral_discriminator_unchanged(
        tmp_path, small_fashion, tiny_export):
    exported = build_discriminator(load_export(tiny_export).config)
    exported.load_state_dict(load_file(tiny_export / "discriminator.safetensors"))
    run = make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), d_norm="none", max_steps=1)
    assert not any(hasattr(m, "weight_orig") for m in run.discriminator.modules())
    images, condition = torch.rand(4, 1, 28, 28) * 2 - 1, one_hot(torch.arange(4), 10)
    exported.eval(), run.discriminator.eval()
    with torch.no_grad():
        assert torch.allclose(exported(images, condition), run.discriminator(images, condition), atol=1e-5)


def test_starting_from_a_generator_of_another_design_is_refused_with_the_difference(tmp_path, small_fashion,
                                                                                    tiny_export):
    with pytest.raises(ValueError, match="g_dim 8 there, 4 here"):
        make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), g_dim=4)
