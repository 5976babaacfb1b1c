"""The job queue. `PORTAL_QUEUE_URL` picks the engine:

- `sqlite:///path/queue.db` (default, in the instance folder): the worker runs inside
  `portal serve`;
- `redis://host:port/db`: separate `portal worker` processes;
- `memory://`: jobs run immediately in the caller (tests, one-off scripts).

Tasks are registered once with `@task` and bound to each app's queue, so several apps in one
process (tests) each have their own queue; a task runs inside its app's context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey, Result

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    retries: int
    retry_delay: int


TASKS: dict[str, TaskSpec] = {}


def task(name: str | None = None, retries: int = 3, retry_delay: int = 10) -> Callable:
    """Register a background task. It is called as `func(*args, **kwargs)` inside an app
    context; retried `retries` times on an exception."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        task_name = name or f"{func.__module__}.{func.__name__}"
        TASKS[task_name] = TaskSpec(task_name, func, retries, retry_delay)
        return func

    return register


def make_huey(url: str, name: str) -> Huey:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return SqliteHuey(name=name, filename=url.removeprefix("sqlite:///"), fsync=False)
    if parsed.scheme in ("redis", "rediss"):
        return RedisHuey(name=name, url=url)
    if parsed.scheme == "memory":
        return MemoryHuey(name=name, immediate=True)
    raise ValueError(f"Unsupported PORTAL_QUEUE_URL: {url!r}")


class JobQueue:
    def __init__(self, app: Flask, url: str, name: str = "portal") -> None:
        self.app = app
        self.url = url
        self.huey = make_huey(url, name)
        self._bound: dict[str, Any] = {}

    @property
    def embedded(self) -> bool:
        """Whether the web server should run the worker itself (no separate workers)."""
        return self.url.startswith("sqlite")

    def _bind(self, spec: TaskSpec) -> Any:
        bound = self._bound.get(spec.name)
        if bound is None:
            app = self.app

            def run(*args: Any, **kwargs: Any) -> Any:
                with app.app_context():
                    return spec.func(*args, **kwargs)

            run.__name__ = spec.name
            bound = self.huey.task(
                name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay
            )(run)
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

    def consumer(self, workers: int = 2):  # noqa: ANN201
        self.bind_all()
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)

    def pending(self) -> int:
        return self.huey.pending_count()
