"""Start a real portal (`portal serve`, gunicorn) on a free local port, for tests and benchmarks.

The one implementation: `tests/live_server.py` loads this file by path, benchmarks import it
as a sibling module. Everything goes through the `portal` command, as an operator would:

    portal db upgrade
    portal user create <sysadmin> --email ... --password ... --sysadmin
    portal token create <sysadmin>          (prints only the token)
    portal serve --host 127.0.0.1 --port <free port> --workers N

with PORTAL_INSTANCE, PORTAL_PORT and PORTAL_SITE_URL pointing at a fresh instance folder.
Other PORTAL_* variables of the calling environment are dropped, so a developer's exported
PORTAL_DATABASE_URL can never point a test server at a real database; pass `env` to set any.

The server counts as started when /healthz answers and every gunicorn worker has answered a
database request (`probe_every_worker`). A worker that hangs or fails on that first query, or
never finishes booting, is killed so that gunicorn forks a fresh one; if the whole server exits
while starting (a worker failing to boot stops gunicorn), `portal serve` is started again, at
most `start_attempts` times in all, keeping the broken server's log as `server.log.<attempt>`.
Each such repair raises a `PortalStartupWarning` and is listed in `LivePortal.startup_problems`:
it is a server bug to report, never something a test should rely on.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SYSADMIN = "live-admin"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds for /healthz to answer after `portal serve` starts
PROBE_TIMEOUT = 8.0  # seconds for each request of the start-up database probe
BOOT_TIMEOUT = 12.0  # seconds a new worker may take to answer its first probe
STOP_TIMEOUT = 15.0  # seconds between SIGTERM and SIGKILL (workers take seconds to exit)
START_ATTEMPTS = 3
POLL_INTERVAL = 0.1
# Read actions that query the database through the ORM (what /healthz does not exercise),
# each with the status a healthy worker answers on an empty catalog.
PROBES = (
    ("/api/3/action/package_list?limit=1", 200),
    ("/api/3/action/current_package_list_with_resources?limit=1", 200),
    ("/api/3/action/organization_list?all_fields=true&limit=1", 200),
    ("/api/3/action/package_show?id=portal-launcher-probe", 404),
    ("/api/3/action/resource_show?id=portal-launcher-probe", 404),
)

# Local requests never go through a proxy the environment may configure.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PortalStartError(RuntimeError):
    """A `portal` command failed, or the server did not start healthy."""


class PortalStartupWarning(UserWarning):
    """`portal serve` started broken: a worker was replaced, or the server started again."""


@dataclass
class LivePortal:
    url: str
    token: str
    instance: Path
    port: int
    log_path: Path
    workers: int
    env: dict[str, str]
    sysadmin: str = SYSADMIN
    process: subprocess.Popen | None = field(default=None, repr=False)
    start_attempts: int = 0  # how many times `portal serve` was started
    # What went wrong while starting: workers replaced, servers started again.
    startup_problems: list[str] = field(default_factory=list)
    # How the server ended: "SIGTERM" (stopped by itself in time), "SIGKILL" or "exited".
    stopped_by: str | None = None

    def log(self) -> str:
        """The server's output so far (gunicorn error and access logs)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def portal(self, *args: str, timeout: float = 120) -> str:
        """Run a `portal` command against this instance; return its stdout."""
        return run_portal_command(self.env, *args, timeout=timeout)


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def portal_command() -> list[str]:
    """The `portal` console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "portal"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "portal.cli"]


def run_portal_command(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    command = [*portal_command(), *args]
    result = subprocess.run(
        command, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise PortalStartError(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def portal_env(
    instance: Path, port: int, env: Mapping[str, str] | None = None, runtime_dir: Path | None = None
) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    base.update(
        PORTAL_INSTANCE=str(instance),
        PORTAL_PORT=str(port),
        PORTAL_SITE_URL=f"http://{HOST}:{port}",
        PYTHONUNBUFFERED="1",
        # Tests search right after a write: index inside the request. `portal serve` on its
        # own leaves it to the worker (0.5 s); pass PORTAL_SEARCH_REFRESH in `env` for that.
        PORTAL_SEARCH_REFRESH="sync",
        # Tests and benchmarks call the API far faster than a visitor may (60/minute without a
        # key): they measure the portal, not its rate limits; pass PORTAL_RATE_LIMITS=1 in `env`.
        PORTAL_RATE_LIMITS="0",
    )
    if runtime_dir is not None:
        # gunicorn's control socket defaults to $XDG_RUNTIME_DIR/gunicorn.ctl (else
        # ~/.gunicorn/gunicorn.ctl): one per server, so servers side by side do not take over
        # each other's socket.
        base["XDG_RUNTIME_DIR"] = str(runtime_dir)
    base.update(env or {})
    return base


def create_sysadmin(portal: LivePortal) -> None:
    """Create the sysadmin (unless a reused instance has it already) and an API token."""
    try:
        portal.portal(
            "user",
            "create",
            portal.sysadmin,
            "--email",
            f"{portal.sysadmin}@example.gov.cn",
            "--password",
            "live-portal-password-1",
            "--sysadmin",
        )
    except PortalStartError as exc:
        # A reused instance: the login name is taken ("Validation Error: {'name': [...]}").
        if "Validation Error: {'name'" not in str(exc):
            raise
    portal.token = portal.portal("token", "create", portal.sysadmin).strip().splitlines()[-1]


def _log_tail(portal: LivePortal, size: int = 4000) -> str:
    return portal.log()[-size:]


def _exited(portal: LivePortal) -> bool:
    return portal.process is not None and portal.process.poll() is not None


def wait_for_health(portal: LivePortal, timeout: float = START_TIMEOUT) -> None:
    """Poll /healthz until it answers 200; fail early if the server process exits."""
    deadline = time.monotonic() + timeout
    last_error: object = None
    while time.monotonic() < deadline:
        if _exited(portal):
            raise PortalStartError(
                f"portal serve exited with {portal.process.returncode} before answering "
                f"/healthz:\n{_log_tail(portal)}"
            )
        try:
            with _OPENER.open(f"{portal.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = exc
        time.sleep(POLL_INTERVAL)
    raise PortalStartError(
        f"{portal.url}/healthz did not answer within {timeout:.0f} s ({last_error!r}):\n"
        f"{_log_tail(portal)}"
    )


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers, for the master), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _listening_socket(port: int) -> str | None:
    """The inode of the socket listening on 127.0.0.1:<port> (state 0A in /proc/net/tcp)."""
    local = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[3] == "0A":
            return parts[9]
    return None


def _holds_socket(pid: int, inode: str) -> bool:
    target = f"socket:[{inode}]"
    with contextlib.suppress(OSError), os.scandir(f"/proc/{pid}/fd") as fds:
        for fd in fds:
            with contextlib.suppress(OSError):
                if os.readlink(fd.path) == target:
                    return True
    return False


def gunicorn_workers(portal: LivePortal) -> set[int]:
    """The master's children that serve HTTP: those holding the listening socket (which rules
    out other children, such as the `portal worker` job process of the embedded queue)."""
    inode = _listening_socket(portal.port)
    if inode is None:
        return set()
    return {pid for pid in children(portal.process.pid) if _holds_socket(pid, inode)}


def _serving_process(client: socket.socket, server_port: int, pids: set[int]) -> int | None:
    """Which of `pids` accepted this client connection (the owner of the server-side socket)."""
    client_port = client.getsockname()[1]
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[2] == remote and parts[9] != "0":
            inode = parts[9]
    if inode is None:
        return None
    return next((pid for pid in pids if _holds_socket(pid, inode)), None)


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[object, bool]:
    """(status or exception, whether the server keeps the connection open)."""
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, not response.will_close
    except (OSError, http.client.HTTPException) as exc:
        return exc, False


def _probe_connection(connection: http.client.HTTPConnection) -> str | None:
    """Run PROBES on one keep-alive connection (so on one worker); what went wrong, if any."""
    for path, expected in PROBES:
        answer, kept_open = _get(connection, path)
        if answer != expected:
            return f"answered {path} with {answer!r} instead of {expected}"
        if not kept_open:
            return None  # the next request would reach another worker: enough for this one
    return None


def _replace_worker(portal: LivePortal, pid: int, problem: str) -> None:
    """SIGKILL one broken worker; the gunicorn master forks a fresh one in its place."""
    message = f"gunicorn worker {pid} of {portal.url} {problem}; killed it to get a fresh one"
    portal.startup_problems.append(message)
    warnings.warn(message, PortalStartupWarning, stacklevel=4)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def probe_every_worker(
    portal: LivePortal,
    timeout: float = PROBE_TIMEOUT,
    boot_timeout: float = BOOT_TIMEOUT,
    deadline: float = START_TIMEOUT,
) -> None:
    """Have every gunicorn worker answer a database request, replacing the ones that cannot.

    /healthz never touches the database, so it cannot tell a worker that hangs (or fails) on
    its first query from a healthy one. Connections are opened in bursts and matched through
    /proc to the worker that accepted them, until each worker has answered PROBES as expected
    (ORM reads of several entities; the most a read-only probe can exercise). A worker
    that answers otherwise, takes over `timeout` seconds, or has not answered `boot_timeout`
    seconds after it appeared (stuck while booting) is killed (a `PortalStartupWarning` says
    which and why), and the probe goes on with its replacement. Without /proc, one burst of
    requests on new connections has to do.
    """
    if not Path("/proc/net/tcp").exists():
        _probe_burst(portal, timeout)
        return
    answered: set[int] = set()
    killed: set[int] = set()
    first_seen: dict[int, float] = {}
    give_up = time.monotonic() + deadline
    while True:
        if _exited(portal):
            raise PortalStartError(
                f"portal serve exited with {portal.process.returncode} while starting:\n"
                f"{_log_tail(portal)}"
            )
        now = time.monotonic()
        workers = gunicorn_workers(portal) - killed
        pending = workers - answered
        if len(workers) >= portal.workers and not pending:
            return
        if now > give_up:
            raise PortalStartError(
                f"workers {sorted(pending)} did not answer the probes within {deadline:.0f} s"
                f"\n{_log_tail(portal)}"
            )
        for pid in pending:
            if now - first_seen.setdefault(pid, now) > boot_timeout:
                _replace_worker(portal, pid, f"did not answer in {boot_timeout:.0f} s (booting?)")
                killed.add(pid)
        pending -= killed
        results = _probe_pending(portal, workers, pending, timeout)
        if not results:
            time.sleep(POLL_INTERVAL)
        for pid, problem in results.items():
            if problem is None:
                answered.add(pid)
            else:
                _replace_worker(portal, pid, problem)
                killed.add(pid)


def _probe_pending(
    portal: LivePortal, workers: set[int], pending: set[int], timeout: float
) -> dict[int, str | None]:
    """Open a burst of connections; on one accepted by each pending worker, run PROBES."""
    if not pending:
        return {}
    connections = [
        http.client.HTTPConnection(HOST, portal.port, timeout=timeout)
        for _ in range(2 * portal.workers)
    ]
    try:
        chosen: dict[int, http.client.HTTPConnection] = {}
        try:
            for connection in connections:
                connection.connect()
        except OSError:
            return {}  # not listening (any more): the caller checks whether gunicorn exited
        matched_by = time.monotonic() + 1
        unmatched = list(connections)
        while unmatched and time.monotonic() < matched_by:
            for connection in list(unmatched):
                owner = _serving_process(connection.sock, portal.port, workers)
                if owner is not None:
                    unmatched.remove(connection)
                    if owner in pending:
                        chosen.setdefault(owner, connection)
            if unmatched:
                time.sleep(0.02)
        if not chosen:
            return {}
        with ThreadPoolExecutor(len(chosen)) as pool:
            return dict(zip(chosen, pool.map(_probe_connection, chosen.values()), strict=True))
    finally:
        for connection in connections:
            connection.close()


def _probe_burst(portal: LivePortal, timeout: float) -> None:
    def one(_: int) -> str | None:
        connection = http.client.HTTPConnection(HOST, portal.port, timeout=timeout)
        try:
            return _probe_connection(connection)
        finally:
            connection.close()

    count = 4 * portal.workers
    with ThreadPoolExecutor(count) as pool:
        failed = [problem for problem in pool.map(one, range(count)) if problem is not None]
    if failed or _exited(portal):
        raise PortalStartError(
            f"{len(failed)} of {count} probes failed ({failed[:3]!r}); "
            f"server exited: {_exited(portal)}\n{_log_tail(portal)}"
        )


def start_server(portal: LivePortal) -> None:
    serve = [*portal_command(), "serve", "--host", HOST, "--port", str(portal.port)]
    serve += ["--workers", str(portal.workers)]
    portal.stopped_by = None
    portal.start_attempts += 1
    with open(portal.log_path, "wb") as log:
        portal.process = subprocess.Popen(
            serve,
            env=portal.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(portal: LivePortal, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the gunicorn master, then SIGKILL its whole process group if it is still up.

    The server runs in its own session (process group), so the SIGKILL also reaches workers
    that a killed master would leave behind, and nothing else.
    """
    process = portal.process
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
            portal.stopped_by = "SIGTERM"
        except subprocess.TimeoutExpired:
            portal.stopped_by = "SIGKILL"
    else:
        portal.stopped_by = portal.stopped_by or "exited"
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=timeout)


def start_healthy(
    portal: LivePortal,
    attempts: int = START_ATTEMPTS,
    start_timeout: float = START_TIMEOUT,
    stop_timeout: float = STOP_TIMEOUT,
) -> None:
    for attempt in range(1, attempts + 1):
        start_server(portal)
        try:
            wait_for_health(portal, start_timeout)
            probe_every_worker(portal)
            return
        except PortalStartError as exc:
            if attempt == attempts:
                raise
            problem = str(exc)
        stop(portal, stop_timeout)
        kept = portal.log_path.with_name(f"{portal.log_path.name}.{attempt}")
        portal.log_path.replace(kept)
        message = (
            f"portal serve on {portal.url} started broken (attempt {attempt} of {attempts}), "
            f"starting it again; its log is {kept}. {problem.splitlines()[0]}"
        )
        portal.startup_problems.append(message)
        warnings.warn(message, PortalStartupWarning, stacklevel=3)


@contextlib.contextmanager
def running_portal(
    tmp_path: Path | str,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    start_timeout: float = START_TIMEOUT,
    stop_timeout: float = STOP_TIMEOUT,
    start_attempts: int = START_ATTEMPTS,
) -> Iterator[LivePortal]:
    """A migrated portal with a sysadmin and its API token, served by gunicorn until exit.

    The instance folder is `<tmp_path>/instance` (kept afterwards, with `<tmp_path>/server.log`
    holding gunicorn's output); `env` adds or overrides environment variables of the server.
    """
    tmp_path = Path(tmp_path)
    instance = tmp_path / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # A short path of its own: a unix socket path must stay under 108 bytes.
    runtime_dir = Path(tempfile.mkdtemp(prefix="portal-run-"))
    portal = LivePortal(
        url=f"http://{HOST}:{port}",
        token="",
        instance=instance,
        port=port,
        log_path=tmp_path / "server.log",
        workers=workers,
        env=portal_env(instance, port, env, runtime_dir),
    )
    try:
        portal.portal("db", "upgrade")
        create_sysadmin(portal)
        start_healthy(portal, start_attempts, start_timeout, stop_timeout)
        yield portal
    finally:
        stop(portal, stop_timeout)
        shutil.rmtree(runtime_dir, ignore_errors=True)
