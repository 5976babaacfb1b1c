"""The job queue. `PORTAL_QUEUE_URL` picks the engine:

- `sqlite:///path/queue.db` (default, in the instance folder): the worker runs inside
  `portal serve`;
- `redis://host:port/db`: separate `portal worker` processes;
- `memory://`: jobs run immediately in the caller (tests, one-off scripts).

Tasks are registered once with `@task` and bound to each app's queue, so several apps in one
process (tests) each have their own queue; a task runs inside its app's context.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey, Result
from huey.consumer import Consumer

from portal.jobs import heartbeat

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    retries: int
    retry_delay: int
    schedule: dict[str, str] | None = None
    at_start: float | None = None


TASKS: dict[str, TaskSpec] = {}
# Modules that define tasks; imported by every app so web servers and workers know them all.
TASK_MODULES = (
    "portal.search.tasks",
    "portal.catalog.linkcheck",
    "portal.catalog.previews",
    "portal.datastore.loader",
    "portal.feedback.notify",
    "portal.privacy.screening",
    "harvesters.tasks",
)


def task(
    name: str | None = None,
    retries: int = 3,
    retry_delay: int = 10,
    schedule: dict[str, str] | None = None,
    at_start: float | None = None,
) -> Callable:
    """Register a background task. It is called as `func(*args, **kwargs)` inside an app
    context; retried `retries` times on an exception. With `schedule` (crontab fields such as
    {"minute": "*/5"}) the worker also runs it periodically; with `at_start` (seconds) every
    worker queues it once that long after it starts (to clean up after a worker that died)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        task_name = name or f"{func.__module__}.{func.__name__}"
        TASKS[task_name] = TaskSpec(task_name, func, retries, retry_delay, schedule, at_start)
        return func

    return register


def load_tasks() -> None:
    for module in TASK_MODULES:
        importlib.import_module(module)


class PortalConsumer(Consumer):
    """A huey consumer that installs its signal handlers only when `run()` owns the process.

    `start()` alone runs the workers as threads of a host process (the gunicorn master of
    `portal serve`, a test): huey's handlers would replace the host's SIGTERM/SIGINT/SIGHUP
    handlers there (gunicorn would then ignore SIGTERM), and cannot be installed at all when
    `start()` is called from another thread. `portal worker` uses `run()` and gets them.
    """

    _owns_process = False

    def run(self) -> None:
        self._owns_process = True
        with heartbeat.beating(self.huey):
            super().run()

    def _set_signal_handlers(self) -> None:
        if self._owns_process:
            super()._set_signal_handlers()


def is_embedded(url: str) -> bool:
    """Whether `portal serve` runs the worker of this queue itself (no separate workers)."""
    return url.startswith("sqlite")


def make_huey(url: str, name: str) -> Huey:
    parsed = urlparse(url)
    # A failure that will be retried is not the job's result: a caller waiting on the Result
    # gets the final outcome (the value of a successful retry, or the last error).
    options = {"store_intermediate_errors": False}
    if parsed.scheme == "sqlite":
        filename = url.removeprefix("sqlite:///")
        # Several gunicorn workers open the queue at once: wait for its lock, do not fail.
        return SqliteHuey(name=name, filename=filename, fsync=False, timeout=30, **options)
    if parsed.scheme in ("redis", "rediss"):
        return RedisHuey(name=name, url=url, **options)
    if parsed.scheme == "memory":
        return MemoryHuey(name=name, immediate=True, **options)
    raise ValueError(f"Unsupported PORTAL_QUEUE_URL: {url!r}")


class JobQueue:
    def __init__(self, app: Flask, url: str, name: str = "portal") -> None:
        self.app = app
        self.url = url
        self.huey = make_huey(url, name)
        self._bound: dict[str, Any] = {}
        # Binding registers the task with huey, which refuses a second registration: two
        # request threads enqueueing the same task for the first time must not both bind it.
        self._bind_lock = threading.Lock()

    @property
    def embedded(self) -> bool:
        """Whether the web server should run the worker itself (no separate workers)."""
        return is_embedded(self.url)

    @property
    def immediate(self) -> bool:
        """Jobs run in the caller (memory://): there is no worker to wait for."""
        return self.url.startswith("memory")

    def _bind(self, spec: TaskSpec) -> Any:
        bound = self._bound.get(spec.name)
        if bound is not None:
            return bound
        with self._bind_lock:
            bound = self._bound.get(spec.name)
            if bound is None:
                app = self.app

                def run(*args: Any, **kwargs: Any) -> Any:
                    with app.app_context():
                        return spec.func(*args, **kwargs)

                run.__name__ = spec.name
                options = {
                    "name": spec.name,
                    "retries": spec.retries,
                    "retry_delay": spec.retry_delay,
                }
                if spec.schedule:
                    bound = self.huey.periodic_task(crontab(**spec.schedule), **options)(run)
                else:
                    bound = self.huey.task(**options)(run)
                self._bound[spec.name] = bound
        return bound

    def bind_all(self) -> None:
        """Bind every registered task (a worker must know them all before it starts)."""
        for spec in TASKS.values():
            self._bind(spec)

    def enqueue(self, name: str, *args: Any, **kwargs: Any) -> Result | Any:
        if name not in TASKS:
            raise KeyError(f"Unknown task: {name}")
        return self._bind(TASKS[name])(*args, **kwargs)

    def schedule(self, name: str, delay: float, *args: Any, **kwargs: Any) -> Result | Any:
        """Queue a task to run `delay` seconds from now."""
        if name not in TASKS:
            raise KeyError(f"Unknown task: {name}")
        return self._bind(TASKS[name]).schedule(args, kwargs, delay=delay)

    def queue_start_tasks(self) -> list[str]:
        """Queue the tasks that run once after a worker starts (see `task(at_start=...)`)."""
        names = [spec.name for spec in TASKS.values() if spec.at_start is not None]
        for name in names:
            self.schedule(name, TASKS[name].at_start or 0)
        return names

    def worker_problem(self) -> str | None:
        """Why no worker serves this queue (None: one does, or jobs run in the caller)."""
        if self.immediate:
            return None
        return heartbeat.worker_problem(self.huey, local=self.embedded)

    def consumer(self, workers: int = 2) -> PortalConsumer:
        """A consumer for this queue: `.run()` to be the process (`portal worker`), or
        `.start()` / `.stop()` to run worker threads inside another process."""
        self.bind_all()
        return PortalConsumer(self.huey, workers=workers, worker_type="thread", periodic=True)

    def pending(self) -> int:
        return self.huey.pending_count()
