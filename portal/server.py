"""Running the portal under gunicorn from `portal serve`."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from portal.http_worker import MAX_REQUEST_LINE


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


def _start_embedded_worker(server) -> None:  # noqa: ANN001
    # With the embedded (SQLite) queue one `portal serve` runs everything: the job worker is a
    # `portal worker` child process. Not threads in the gunicorn master: web workers forked
    # while such a thread held a lock (SQLAlchemy's mapper lock, say) would hang forever.
    from portal import create_app

    queue = create_app().extensions["portal.queue"]
    if queue.embedded:
        server.portal_worker = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"])
        server.log.info("Embedded job worker started on %s", queue.url)


def _stop_embedded_worker(server) -> None:  # noqa: ANN001
    worker = getattr(server, "portal_worker", None)
    if worker is not None and worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def run_gunicorn(host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # gunicorn's threaded worker, answering requests it refuses with the API's JSON body.
        "worker_class": "portal.http_worker.PortalWorker",
        "threads": 4,
        "limit_request_line": MAX_REQUEST_LINE,
        "timeout": 120,
        "accesslog": "-",
        # gunicorn's control socket defaults to one path per user, shared by every instance;
        # the portal does not use it, and instances must share nothing.
        "control_socket_disable": True,
        "when_ready": _start_embedded_worker,
        "on_exit": _stop_embedded_worker,
    }
    PortalServer(options).run()
