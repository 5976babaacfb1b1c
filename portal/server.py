"""Running the portal under gunicorn from `portal serve`, with the embedded job worker.

With the embedded (SQLite) queue one `portal serve` runs everything: the job worker is a
`portal worker` child process of the gunicorn master, supervised like gunicorn's own workers:
started when the master is ready, started again (after a back-off of 1, 2, 4 ... 60 seconds)
whenever it exits without being asked to, and stopped when the master stops.

The supervision runs in the master's main loop (`PortalArbiter.manage_workers`, called after
every signal and at least once a second), not in a thread: web workers forked while a thread of
the master held a lock (SQLAlchemy's mapper lock, logging's, the import lock) would inherit it
locked and hang forever. The loop only starts, polls and stops a process: it opens no database,
queue or connection (whether a worker is alive and beating is /readyz's business, in the web
workers, see portal.health).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from portal.http_worker import MAX_REQUEST_LINE

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0
# A worker that stayed up this long was healthy: its next failure starts the back-off afresh.
HEALTHY_AFTER = 60.0
STOP_TIMEOUT = 15.0


class WorkerSupervisor:
    """Keeps one `portal worker` child running; `check()` is cheap and never blocks."""

    def __init__(self, log: Any, command: list[str] | None = None) -> None:
        self.log = log
        self.command = command or [sys.executable, "-m", "portal.cli", "worker"]
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.backoff = FIRST_BACKOFF
        self.restart_at: float | None = None
        self.restarts = 0
        self.stopping = False

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()
        self.restart_at = None

    def check(self) -> None:
        """Notice a worker that exited and start a new one once its back-off has passed."""
        if self.stopping or self.process is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            if now - self.started_at >= HEALTHY_AFTER:
                self.backoff = FIRST_BACKOFF
            self.restart_at = now + self.backoff
            self.log.error(
                "Embedded job worker (pid %s) exited with %s; starting it again in %.0f s",
                self.process.pid,
                code,
                self.backoff,
            )
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        if now >= self.restart_at:
            self.start()
            self.restarts += 1
            self.log.info("Embedded job worker started again (pid %s)", self.process.pid)

    def stop(self) -> None:
        self.stopping = True
        worker = self.process
        if worker is None or worker.poll() is not None:
            return
        worker.terminate()
        try:
            worker.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=STOP_TIMEOUT)


class PortalArbiter(Arbiter):
    """gunicorn's master, also supervising the embedded job worker (`portal_worker`)."""

    portal_worker: WorkerSupervisor | None = None

    def handle_chld(self) -> None:
        # Collect our child's exit status before gunicorn's waitpid(-1) takes it as unknown.
        if self.portal_worker is not None and self.portal_worker.process is not None:
            self.portal_worker.process.poll()
        super().handle_chld()

    handle_cld = handle_chld  # the name gunicorn dispatches SIGCHLD to on Linux

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.portal_worker is not None:
            self.portal_worker.check()


class PortalServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201
        from portal import create_app

        return create_app()

    def run(self) -> None:
        try:
            PortalArbiter(self).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)


def _start_embedded_worker(server: PortalArbiter) -> None:
    from portal.config import Settings
    from portal.jobs.queue import is_embedded

    queue_url = Settings.from_env().queue_url
    if is_embedded(queue_url):
        server.portal_worker = WorkerSupervisor(server.log)
        server.portal_worker.start()
        server.log.info(
            "Embedded job worker started on %s (pid %s)",
            queue_url,
            server.portal_worker.process.pid,
        )


def _stop_embedded_worker(server: PortalArbiter) -> None:
    if server.portal_worker is not None:
        server.portal_worker.stop()


def run_gunicorn(host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # gunicorn's threaded worker, answering requests it refuses with the API's JSON body.
        "worker_class": "portal.http_worker.PortalWorker",
        "threads": 4,
        "limit_request_line": MAX_REQUEST_LINE,
        "timeout": 120,
        # PORTAL_LOG_FORMAT=json logs each request itself (portal.request_log), without the
        # client address and query string gunicorn's access line carries.
        "accesslog": None if os.environ.get("PORTAL_LOG_FORMAT") == "json" else "-",
        # gunicorn's control socket defaults to one path per user, shared by every instance;
        # the portal does not use it, and instances must share nothing.
        "control_socket_disable": True,
        "when_ready": _start_embedded_worker,
        "on_exit": _stop_embedded_worker,
    }
    PortalServer(options).run()
