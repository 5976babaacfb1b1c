"""A live portal for the browser tests: a temporary instance folder, migrated, with the demo
catalog and a department editor, served by `portal serve` (gunicorn) on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EDITOR = ("browser-editor", "browser-editor-pass-2024")


@dataclass
class LiveServer:
    url: str
    instance: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(instance: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_INSTANCE=str(instance),
        PORTAL_PORT=str(port),
        PORTAL_SITE_URL=f"http://127.0.0.1:{port}",
        PORTAL_WORKERS="2",
        PORTAL_MAX_UPLOAD_MB="20",
        PORTAL_LINKCHECK="0",  # tests reach nothing beyond loopback
        # Jobs run inline: with the embedded SQLite queue, `portal serve` starts the job worker
        # threads in the gunicorn master before it forks, and a worker forked while one of them
        # holds SQLAlchemy's mapper-configuration lock hangs on its first query.
        PORTAL_QUEUE_URL="memory://",
    )
    return env


SETUP = """
from portal import create_app
from portal.actions import Context, call
from portal.errors import ValidationError

app = create_app()
with app.app_context():
    context = Context(session=app.extensions["portal.db"].session(), app=app, ignore_auth=True)
    try:
        call("user_create", context, {"name": NAME, "email": NAME + "@example.gov.cn",
                                      "password": PASSWORD, "fullname": "浏览器测试编辑"})
    except ValidationError:
        pass  # a copied instance may have the user already
    call("organization_member_create", context,
         {"id": "transport-dept", "username": NAME, "role": "editor"})
    try:
        call("harvest_source_create", context, {
            "name": "transport-ckan", "title": "交通运输厅 CKAN 目录",
            "url": "https://data.example.gov.cn/api/3", "source_type": "ckan",
            "owner_org": "transport-dept", "frequency": "WEEKLY"})
    except ValidationError:
        pass
"""


def prepare(instance: Path, port: int) -> None:
    env = portal_env(instance, port)
    run = dict(env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    template = os.environ.get("PORTAL_BROWSER_TEMPLATE")
    if template:
        # For quick local reruns: copy an instance that already has the demo catalog.
        shutil.copytree(template, instance, dirs_exist_ok=True)
        (instance / "secret_key").unlink(missing_ok=True)
    subprocess.run([str(BIN / "portal"), "db", "upgrade"], **run)
    subprocess.run([str(BIN / "portal"), "demo"], timeout=900, **run)
    if template:
        subprocess.run([str(BIN / "portal"), "search", "reindex"], timeout=600, **run)
    code = f"NAME, PASSWORD = {EDITOR!r}\n{SETUP}"
    subprocess.run([sys.executable, "-c", code], **run)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _launch(instance: Path, port: int, attempt: int) -> LiveServer:
    log = instance / f"server-{attempt}.log"
    process = subprocess.Popen(
        [str(BIN / "portal"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=portal_env(instance, port),
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return LiveServer(f"http://127.0.0.1:{port}", instance, process, log)


def start(instance: Path) -> LiveServer:
    """Serve the prepared instance. A gunicorn worker can fail to boot when the embedded job
    queue's SQLite file is briefly locked by the master's consumer; the whole server then
    stops, so it is started again (at most three times)."""
    port = free_port()
    prepare(instance, port)
    for attempt in range(3):
        server = _launch(instance, port, attempt)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.process.poll() is None:
            if _healthy(server.url):
                time.sleep(3)  # every worker has booted by now, or the master has given up
                if server.process.poll() is None and _healthy(server.url):
                    return server
            time.sleep(0.3)
        server.stop()
    raise RuntimeError(f"portal serve did not start:\n{server.log.read_text()[-3000:]}")
