"""The run folder's rules: never overwrite a run without --overwrite, continue one with --resume, and its log."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cgan.config import TrainConfig
from cgan.files import write_text
from cgan.training import checkpoints
from cgan.training.distributed import Distributed


class RunExistsError(RuntimeError):
    """OUT_DIR already holds a run and neither --resume nor --overwrite was given."""


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


def truncate_log(path: Path, step: int) -> None:
    """Drop log lines past `step` (written after the checkpoint a resumed run restarts from)."""
    if not path.is_file():
        return
    kept = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
    write_text(path, "".join(line + "\n" for line in kept))


def append_json_line(path: Path, record: dict[str, Any]) -> None:
    """One JSON object per line (log.jsonl)."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
