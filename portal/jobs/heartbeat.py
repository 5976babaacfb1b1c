"""Worker liveness: every `portal worker` process beats a heartbeat into the queue's own
key-value store (the kv table of the SQLite queue, the result hash of Redis), so readiness
checks need no table, migration or file of their own and read it where the web servers
already look for jobs.

The beat says which process wrote it and when. A beat older than `STALE_AFTER` means no worker
is running; with the embedded queue the worker runs on this machine, so a beat whose process is
gone (killed a moment ago, before its beat went stale) is reported at once.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from huey.api import Huey

from portal.jobs.periodic import every

log = logging.getLogger(__name__)

KEY = "portal.worker.heartbeat"
INTERVAL = float(os.environ.get("PORTAL_WORKER_HEARTBEAT", "5"))
STALE_AFTER = 3 * INTERVAL + 5


@dataclass(frozen=True)
class Beat:
    pid: int
    host: str
    at: float  # seconds since the epoch
    started: float

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.at)


def beat(huey: Huey, started: float) -> None:
    huey.put(
        KEY,
        {"pid": os.getpid(), "host": socket.gethostname(), "at": time.time(), "started": started},
    )


def last_beat(huey: Huey) -> Beat | None:
    value: Any = huey.get(KEY, peek=True)
    if not isinstance(value, dict):
        return None
    try:
        return Beat(
            int(value["pid"]), str(value["host"]), float(value["at"]), float(value["started"])
        )
    except (KeyError, TypeError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Whether a process of this machine is running (a zombie, killed but not yet reaped by
    its parent, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return True  # no /proc: signal 0 is all we can tell
    return text[text.rindex(")") + 2 :].split()[0] not in ("Z", "X")


def worker_problem(huey: Huey, local: bool) -> str | None:
    """Why no worker is serving the queue, or None when one is. `local`: the worker runs on
    this machine (the embedded queue), so its process can be looked at."""
    found = last_beat(huey)
    if found is None:
        return "no job worker has reported a heartbeat"
    if found.age > STALE_AFTER:
        return f"the job worker's last heartbeat is {found.age:.0f} s old"
    if local and found.host == socket.gethostname() and not process_alive(found.pid):
        return f"the job worker (pid {found.pid}) is not running"
    return None


@contextmanager
def beating(huey: Huey, interval: float = INTERVAL) -> Iterator[None]:
    """Beat the heartbeat (once at once, then every `interval` seconds) while the block runs."""
    started = time.time()
    with every("portal-worker-heartbeat", interval, lambda: beat(huey, started), at_once=True):
        yield
