"""A background thread that calls one function every few seconds: in a worker process until the
block that started it ends (the heartbeat, the search refresher), or in any process until it is
stopped (the usage counts' flusher, portal.stats.usage)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class _Periodic(threading.Thread):
    def __init__(self, name: str, interval: float, func: Callable[[], object]) -> None:
        super().__init__(name=name, daemon=True)
        self.interval, self.func = interval, func
        self.stopped = threading.Event()

    def call(self) -> None:
        try:
            self.func()
        except Exception as exc:  # a backend is down for a moment: the next round tries again
            log.warning("%s failed: %s", self.name, exc)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.call()


def start(name: str, interval: float, func: Callable[[], object]) -> Callable[[], None]:
    """Call `func` every `interval` seconds in a daemon thread; return what stops it."""
    thread = _Periodic(name, interval, func)
    thread.start()
    return thread.stopped.set


@contextmanager
def every(
    name: str, interval: float, func: Callable[[], object], at_once: bool = False
) -> Iterator[None]:
    """Call `func` every `interval` seconds (and once at once with `at_once`) in a thread
    while the block runs; a failure is logged and the next round tries again."""
    thread = _Periodic(name, interval, func)
    if at_once:
        thread.call()
    thread.start()
    try:
        yield
    finally:
        thread.stopped.set()
        thread.join(timeout=10)
