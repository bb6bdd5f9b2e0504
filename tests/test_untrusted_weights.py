"""Export folders someone handed you: every hostile config.json and weights file is refused with a message that
names the field or tensor, before anything large is allocated (the loads run under a memory limit)."""
import json
import re
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from cgan.evaluation.classifier import evaluator_for
from cgan.export import WeightsError, load_export
from conftest import ROOT


def edit_config(**fields):
    def apply(folder):
        config = json.loads((folder / "config.json").read_text())
        config.update(fields)
        (folder / "config.json").write_text(json.dumps(config))
    return apply


def edit_tensors(change):
    def apply(folder):
        state = load_file(str(folder / "model.safetensors"))
        change(state)
        save_file(state, str(folder / "model.safetensors"))
    return apply


def first_float(state):
    return next(k for k, v in state.items() if v.is_floating_point() and v.dim() > 1)


def write(name, text):
    return lambda folder: (folder / name).write_text(text)


CASES = {
    "g_dim 3000": (edit_config(g_dim=3000), r"network of [\d,]+ values; more than 100,000,000 is refused"),
    "z_dim 1e9": (edit_config(z_dim=10**9), r"z_dim must be from 1 to 4096"),
    "g_dim 1e7": (edit_config(g_dim=10**7), r"g_dim must be from 1 to 4096"),
    "image_size 1e5": (edit_config(image_size=10**5), r"image_size must be from 1 to 512"),
    "a million classes": (edit_config(num_classes=10**6, class_names=[f"c{i}" for i in range(10**6)]),
                          r"2 to 1000 classes|is refused"),
    "z_dim 1e40": (edit_config(z_dim=10**40), r"z_dim must be from 1 to 4096"),
    "nested brackets": (write("config.json", "[" * 100_000), r"nested too deeply|not valid JSON"),
    "truncated JSON": (write("config.json", '{"arch": "fast", "z_d'), r"not valid JSON"),
    "a list": (write("config.json", "[1, 2]"), r"should hold a JSON object"),
    "string z_dim": (edit_config(z_dim="64"), r"z_dim should be int"),
    "boolean g_dim": (edit_config(g_dim=True), r"g_dim should be int"),
    "training is a string": (edit_config(training="oops"), r"field 'training' should be dict"),
    "metrics is a list": (edit_config(metrics=[1]), r"field 'metrics' should be dict"),
    "unknown key": (edit_config(depth=3), r"unknown model config keys: depth"),
    "duplicate class names": (edit_config(class_names=["Bag"] * 10), r"class names must be unique; 'Bag'"),
    "empty class name": (edit_config(class_names=[""] + [str(i) for i in range(9)]), r"non-empty"),
    "NaN weights": (edit_tensors(lambda s: s[first_float(s)].view(-1).__setitem__(0, float("nan"))),
                    r"tensor '[\w.]+' holds NaN or infinite values"),
    "fp16 weights": (edit_tensors(lambda s: s.update({k: v.half() for k, v in s.items() if v.is_floating_point()})),
                     r"tensor '[\w.]+' is F16; it must be F32"),
    "int32 weights": (edit_tensors(lambda s: s.update({first_float(s): s[first_float(s)].int()})),
                      r"is I32; it must be F32"),
    "wrong shape": (edit_tensors(lambda s: s.update({first_float(s): s[first_float(s)][:1]})), r"has shape"),
    "missing tensor": (edit_tensors(lambda s: s.pop(first_float(s))), r"missing tensors"),
    "extra tensor": (edit_tensors(lambda s: s.update({"backdoor": torch.zeros(3)})), r"unexpected tensors backdoor"),
    "truncated weights": (lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:999]),
                          r"could not be read"),
    "huge config file": (write("config.json", " " * 2_000_000 + "{}"), r"2,000,002 bytes; more than 1,000,000"),
}

# Loads every case folder in a fresh interpreter whose address space may grow by at most 1 GiB.
UNDER_A_LIMIT = """
import json, resource, sys
import torch
from cgan.export import WeightsError, load_export
size = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, resource.RLIM_INFINITY))
results = {}
for name, folder in json.loads(sys.argv[1]).items():
    try:
        load_export(folder)
        results[name] = "loaded"
    except WeightsError as e:
        results[name] = str(e)
    except MemoryError:
        results[name] = "MemoryError"
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def messages(tmp_path_factory, tiny_export):
    root = tmp_path_factory.mktemp("untrusted")
    folders = {}
    for i, (name, (change, _)) in enumerate(CASES.items()):
        folder = root / f"case-{i}"
        shutil.copytree(tiny_export, folder)
        change(folder)
        folders[name] = str(folder)
    run = subprocess.run([sys.executable, "-c", UNDER_A_LIMIT, json.dumps(folders)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_folder_is_refused_with_a_message(messages, name):
    assert messages[name] not in ("loaded", "MemoryError")
    assert re.search(CASES[name][1], messages[name]), messages[name]


def test_the_untouched_folder_still_loads(tiny_export):
    assert load_export(tiny_export).config.num_classes == 10


def test_sample_and_app_answer_a_hostile_folder_with_one_line(tiny_export, tmp_path):
    folder = tmp_path / "hostile"
    shutil.copytree(tiny_export, folder)
    edit_config(g_dim=3000, training="oops")(folder)
    for command in (["-m", "cgan.sample", "--weights", str(folder), "--per-class", "1", "--out", str(tmp_path / "o")],
                    ["app.py", "--weights", str(folder), "--port", "7999"]):
        run = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "field 'training' should be dict" in run.stderr, run.stderr[-1500:]
        assert "Traceback" not in run.stderr


def test_a_broken_evaluator_beside_the_weights_falls_back_with_a_note(tiny_export, tmp_path, capsys):
    folder = tmp_path / "with-evaluator"
    shutil.copytree(tiny_export, folder)
    (folder / "evaluator.json").write_text(json.dumps({"arch": {"channels": 10**9, "image_size": 28, "num_classes": 10}}))
    (folder / "evaluator.safetensors").write_bytes(b"not weights")
    model, found = evaluator_for(folder, load_export(folder).config.class_names)
    assert found != folder and "cannot be loaded" in capsys.readouterr().err
    with pytest.raises(WeightsError):
        load_export(tmp_path / "missing")
