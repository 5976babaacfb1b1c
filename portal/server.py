"""Running the portal under gunicorn from `portal serve`."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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
    # The embedded queue's worker lives in the gunicorn master as threads, so one
    # `portal serve` runs everything; with Redis, separate `portal worker`s do it instead.
    from portal import create_app

    app = create_app()
    queue = app.extensions["portal.queue"]
    if queue.embedded:
        consumer = queue.consumer(workers=2)
        consumer.start()
        server.portal_consumer = consumer
        server.log.info("Embedded job worker started on %s", queue.url)


def _stop_embedded_worker(server) -> None:  # noqa: ANN001
    consumer = getattr(server, "portal_consumer", None)
    if consumer is not None:
        consumer.stop(graceful=True)


def run_gunicorn(host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 120,
        "accesslog": "-",
        "when_ready": _start_embedded_worker,
        "on_exit": _stop_embedded_worker,
    }
    PortalServer(options).run()
