"""Ctrl-C and SIGTERM during training: finish the current step, keep a checkpoint, then stop.

Without this an interrupt loses every step since the last periodic checkpoint (up to --checkpoint-every).
The first signal only asks the loop to stop at the end of its step; a second one interrupts at once (the
handlers in place before are restored after the first).
"""
from __future__ import annotations

import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequests:
    """Within `with StopRequests() as stop:`, `stop.requested` turns true at the first SIGINT or SIGTERM.

    Signal handlers can only be set from the main thread; elsewhere (or with enabled=False, e.g. for a
    multi-process run, whose processes must stop on the same step) this does nothing and signals act as usual.
    """

    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.requested = False
        self.signal_name = ""
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        self.requested = True
        self.signal_name = signal.Signals(signum).name
        self._restore()  # a second signal acts as it did before

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def __enter__(self) -> "StopRequests":
        if self.enabled:
            self._previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
            for signum in SIGNALS:
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        self._restore()
