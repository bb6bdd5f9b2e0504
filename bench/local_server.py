"""Start app.py in a subprocess on a free 127.0.0.1 port and wait until it answers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository, where app.py is


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """app.py of the repository (or of `root`, e.g. a Space's files) serving `weights` (None: its own default), run by
    `python` (another environment's interpreter, e.g. one where cgan is installed)."""

    def __init__(self, weights: str | Path | None, *, log_path: Path, extra_env: dict | None = None,
                 root: Path = ROOT, python: str = sys.executable):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(root), "GRADIO_ANALYTICS_ENABLED": "False",
               "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", **(extra_env or {})}
        self.log = open(log_path, "w")
        choice = ["--weights", str(weights)] if weights is not None else []
        self.process = subprocess.Popen([python, "app.py", *choice, "--port", str(self.port), "--device", "cpu"],
                                        cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 120) -> "AppServer":
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app.py exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/config", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"app.py did not answer within {timeout}s; see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
