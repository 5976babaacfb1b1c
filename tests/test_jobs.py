"""The job queue on its engines: memory (runs at once), SQLite and Redis with a real huey
consumer, and the `portal worker` command as a separate process.

The tasks below leave a file in the instance folder of the app whose context they run in, so a
test sees that the job ran, where, and how many times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from huey.exceptions import TaskException
from sqlalchemy import text

from portal.jobs.queue import TASKS, JobQueue, task

EFFECTS = "job-effects"
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
TESTS = Path(__file__).resolve().parent


@task(name="tests.jobs.record", retries=0, retry_delay=0)
def record(label: str, value: str) -> dict[str, str]:
    """Write `value` to <instance>/job-effects/<label>; needs the app context to know where."""
    instance = Path(current_app.instance_path)
    (instance / EFFECTS).mkdir(exist_ok=True)
    (instance / EFFECTS / label).write_text(value, encoding="utf-8")
    # The app's database is usable from the job too.
    one = current_app.extensions["portal.db"].session().execute(text("SELECT 1")).scalar_one()
    return {"instance": str(instance), "value": value, "db": str(one)}


@task(name="tests.jobs.flaky", retries=2, retry_delay=0)
def flaky(label: str, failures: int, pause: float = 0.0) -> int:
    """Fail the first `failures` attempts, then succeed (after `pause` seconds); each attempt
    is counted in a file."""
    path = Path(current_app.instance_path) / EFFECTS / label
    path.parent.mkdir(exist_ok=True)
    with path.open("a") as handle:
        handle.write("x")
    attempt = len(path.read_text())
    if attempt <= failures:
        raise RuntimeError(f"attempt {attempt} fails")
    time.sleep(pause)
    return attempt


def effect(app: Flask, label: str) -> Path:
    return Path(app.instance_path) / EFFECTS / label


def attempts(app: Flask, label: str) -> int:
    path = effect(app, label)
    return len(path.read_text()) if path.exists() else 0


def wait_for(predicate: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@contextmanager
def worker(queue: JobQueue) -> Iterator[None]:
    """A real huey consumer (one worker thread) on the queue, for the duration of the block."""
    if queue.url.startswith("memory"):
        yield  # jobs run in the caller: there is nothing to consume
        return
    consumer = queue.consumer(workers=1)
    starter = threading.Thread(target=consumer.start, name="huey-consumer-start")
    starter.start()
    starter.join(timeout=10)
    assert not starter.is_alive()
    try:
        yield
    finally:
        consumer.stop(graceful=True)


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)],
)
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.db'}"
    if not REDIS_URL:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set (make test-redis sets it)")
    return REDIS_URL


@pytest.fixture
def queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"  # Redis keys are per name: tests never collide


@pytest.fixture
def queue(app: Flask, queue_url: str, queue_name: str) -> Iterator[JobQueue]:
    queue = JobQueue(app, queue_url, name=queue_name)
    yield queue
    queue.huey.storage.flush_all()


def test_the_configured_memory_queue_runs_jobs_immediately(app: Flask) -> None:
    queue = app.extensions["portal.queue"]
    assert queue.url == "memory://" and not queue.embedded
    result = queue.enqueue("tests.jobs.record", "now", "立即")
    # Done before enqueue returned: no worker, no waiting.
    assert effect(app, "now").read_text(encoding="utf-8") == "立即"
    assert result.get()["instance"] == str(app.instance_path)
    assert queue.pending() == 0


def test_unknown_tasks_are_refused(app: Flask) -> None:
    with pytest.raises(KeyError):
        app.extensions["portal.queue"].enqueue("tests.jobs.no_such_task")


def test_a_worker_runs_the_job_in_the_app_context(app: Flask, queue: JobQueue) -> None:
    with worker(queue):
        result = queue.enqueue("tests.jobs.record", "hello", "你好")
        value = result.get(blocking=True, timeout=15)
    assert value == {"instance": str(app.instance_path), "value": "你好", "db": "1"}
    assert effect(app, "hello").read_text(encoding="utf-8") == "你好"
    # The worker's scheduler may have queued a periodic job (every minute) meanwhile.
    assert not [task for task in queue.huey.pending() if task.name == "tests.jobs.record"]


def test_a_failing_task_is_retried_then_reports_its_error(app: Flask, queue: JobQueue) -> None:
    retries = TASKS["tests.jobs.flaky"].retries
    assert retries == 2
    with worker(queue):
        result = queue.enqueue("tests.jobs.flaky", "always", failures=99)
        # The result is the final outcome, not the first of the failures that get retried.
        with pytest.raises(TaskException) as error:
            result.get(blocking=True, timeout=15)
    assert "attempt 3 fails" in str(error.value.metadata)
    assert attempts(app, "always") == retries + 1  # the first try, then `retries` more
    time.sleep(0.3)
    assert attempts(app, "always") == retries + 1  # and no more than that


def test_a_retry_that_succeeds_is_the_result(app: Flask, queue: JobQueue) -> None:
    with worker(queue):
        # The successful retry takes a while: a waiting caller must not get the first error.
        result = queue.enqueue("tests.jobs.flaky", "once", failures=1, pause=0.5)
        assert result.get(blocking=True, timeout=15) == 2
    assert attempts(app, "once") == 2


def test_jobs_survive_a_new_queue_before_any_worker_runs(
    app: Flask, queue: JobQueue, queue_url: str, queue_name: str
) -> None:
    if queue_url.startswith("memory"):
        pytest.skip("the memory queue runs jobs at once and keeps nothing")
    queue.enqueue("tests.jobs.record", "persisted", "kept")
    queue.enqueue("tests.jobs.record", "persisted-too", "kept too")
    assert queue.pending() == 2
    assert not effect(app, "persisted").exists()
    del queue  # e.g. the web process restarted before the worker got to the jobs

    reopened = JobQueue(app, queue_url, name=queue_name)  # knows no task until it binds them
    assert reopened.pending() == 2
    with worker(reopened):
        assert wait_for(lambda: effect(app, "persisted-too").exists() and reopened.pending() == 0)
    assert effect(app, "persisted").read_text(encoding="utf-8") == "kept"
    assert effect(app, "persisted-too").read_text(encoding="utf-8") == "kept too"


def test_concurrent_first_enqueues_bind_a_task_once(app: Flask, tmp_path: Path) -> None:
    # Request threads enqueueing the same task for the first time at once: huey refuses to
    # register a task name twice, so binding must happen exactly once.
    queue = JobQueue(app, f"sqlite:///{tmp_path / 'race.db'}", name="race")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def enqueue(number: int) -> None:
        barrier.wait()
        try:
            queue.enqueue("tests.jobs.record", f"race-{number}", "x")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: widen any race
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert queue.pending() == 8


def test_portal_worker_command_runs_jobs_from_the_sqlite_queue(app: Flask) -> None:
    instance = Path(app.instance_path)
    queue = JobQueue(app, f"sqlite:///{instance / 'queue.db'}")  # the default of the instance
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PORTAL_INSTANCE=str(instance), PYTHONUNBUFFERED="1")
    # `portal worker` through the console script's entry point, with this module imported
    # first so the worker knows the test tasks (the app's own tasks are imported by the app).
    boot = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_jobs; "
        "from portal.cli import main; sys.exit(main())"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", boot, "worker", "--workers", "1"],
        env=env,
        cwd=instance,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    started = threading.Event()

    def read_output() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.startswith("Worker on "):
                started.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        assert started.wait(timeout=20), "".join(output)
        assert f"Worker on sqlite:///{instance / 'queue.db'}" in "".join(output)
        result = queue.enqueue("tests.jobs.record", "from-cli", "由 portal worker 完成")
        assert wait_for(lambda: effect(app, "from-cli").exists(), timeout=20), "".join(output)
        value = result.get(blocking=True, timeout=10)
        assert value["instance"] == str(instance)
        assert effect(app, "from-cli").read_text(encoding="utf-8") == "由 portal worker 完成"
    finally:
        proc.terminate()  # SIGTERM: the consumer's handler stops it
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    assert proc.returncode == 0, "".join(output)
