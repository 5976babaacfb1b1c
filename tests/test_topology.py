"""The distributed deployment without Docker (docker/DEPLOYMENT.md): two web nodes (`portal
serve`, gunicorn) and one `portal worker`, on PostgreSQL, a Redis queue and rclone's S3 server,
sharing nothing else but the search index folder (one machine: it stands in for the search
cluster) and the secret key. A dataset and its files written through node A are found by node
B's package_search (indexed by the worker's refresher, not in the request) and downloaded
through node B; the worker screens the uploaded table for personal information.

Needs PORTAL_TEST_DATABASE_URL (PostgreSQL) and Redis (PORTAL_TEST_REDIS_URL, default
redis://127.0.0.1:6379/15, scripts/redis.sh starts one): `make test-topology`."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from live_server import portal_env, running_portal
from test_privacy_detectors import make_id
from test_storage import ACCESS_KEY, SECRET_KEY, s3_server  # noqa: F401

from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.topology
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEADLINE = 60.0
CLEAN = "站点编号,站点名称,日客流\n1001,人民广场,52000\n1002,陆家嘴,48000\n".encode()


def residents() -> bytes:
    rng = random.Random(7)
    lines = ["姓名,身份证号,所属街道"]
    for n in range(20):
        lines.append(f"居民{n},{make_id(rng, date(1970, 1, 1 + n % 28))},五里墩街道")
    return ("\n".join(lines) + "\n").encode()


def poll(predicate, timeout: float = DEADLINE, interval: float = 0.2):  # noqa: ANN001, ANN201
    """The predicate's first truthy answer within `timeout` seconds, else its last one."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


@pytest.fixture
def services(app, s3_server) -> dict[str, str]:  # noqa: F811
    """PostgreSQL emptied (the `app` fixture does it), the Redis database flushed, a bucket."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("the topology runs on PostgreSQL: set PORTAL_TEST_DATABASE_URL")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server at {REDIS_URL} (scripts/redis.sh starts one): {exc}")
    app.extensions["portal.db"].dispose()
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    return {
        "PORTAL_DATABASE_URL": TEST_DATABASE_URL,
        "PORTAL_DATASTORE_URL": TEST_DATABASE_URL,
        "PORTAL_QUEUE_URL": REDIS_URL,
        "PORTAL_STORAGE_URL": s3_server.url(bucket, "files"),
        "PORTAL_S3_ACCESS_KEY": ACCESS_KEY,
        "PORTAL_S3_SECRET_KEY": SECRET_KEY,
        "PORTAL_SECRET_KEY": uuid.uuid4().hex,
        # Writes return before they are indexed: the worker's refresher indexes them.
        "PORTAL_SEARCH_REFRESH": "0.5",
        "PORTAL_LINKCHECK": "0",
    }


@pytest.fixture
def topology(tmp_path: Path, services: dict[str, str]) -> Iterator[dict[str, Any]]:
    env = {**services, "PORTAL_SEARCH_URL": f"tantivy://{tmp_path / 'shared-search'}"}
    with running_portal(tmp_path / "a", workers=1, env=env) as node_a:
        with running_portal(tmp_path / "b", workers=1, env=env) as node_b:
            worker_instance = tmp_path / "worker"
            worker_instance.mkdir()
            worker_env = portal_env(worker_instance, node_a.port, env)
            log = (tmp_path / "worker.log").open("wb")
            worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "portal"), "worker"],
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                yield {"a": node_a, "b": node_b, "worker": worker, "log": tmp_path / "worker.log"}
            finally:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
                log.close()


def action(node, called: str, files: dict | None = None, **data: Any) -> Any:  # noqa: ANN001
    headers = {"Authorization": node.token}
    url = f"{node.url}/api/3/action/{called}"
    if files:
        response = requests.post(url, data=data, files=files, headers=headers, timeout=30)
    else:
        response = requests.post(url, json=data, headers=headers, timeout=30)
    body = response.json()
    assert response.status_code == 200 and body["success"], (called, response.status_code, body)
    return body["result"]


def test_a_write_through_one_node_is_found_and_downloaded_through_the_other(topology):
    node_a, node_b = topology["a"], topology["b"]
    org = action(node_a, "organization_create", name="transport", title="省交通运输厅")
    dataset = action(
        node_a, "package_create", name="metro-flow", title="地铁客流统计", owner_org=org["id"]
    )
    clean = action(node_a, "resource_create", files={"upload": ("客流.csv", CLEAN)},
                   package_id=dataset["id"], format="CSV")  # fmt: skip
    personal = action(node_a, "resource_create", files={"upload": ("居民名单.csv", residents())},
                      package_id=dataset["id"], format="CSV")  # fmt: skip

    def found_on_b() -> list[str]:
        result = requests.get(
            f"{node_b.url}/api/3/action/package_search", params={"q": "地铁客流"}, timeout=30
        ).json()["result"]
        return [d["name"] for d in result["results"] if d["num_resources"] == 2]

    assert poll(found_on_b) == ["metro-flow"], topology["log"].read_text(errors="replace")[-3000:]

    # The file stored through A (in S3) downloads through B, byte for byte.
    path = urlsplit(clean["url"]).path
    response = requests.get(f"{node_b.url}{path}", timeout=30)
    assert response.status_code == 200 and response.content == CLEAN

    # The worker screened the table of resident IDs: withheld from the public on every node.
    def screened() -> dict | None:
        shown = requests.get(
            f"{node_b.url}/api/3/action/resource_show", params={"id": personal["id"]}, timeout=30
        ).json()["result"]
        privacy = shown.get("privacy") or {}
        return privacy if privacy.get("state") == "open" else None

    privacy = poll(screened)
    assert privacy and privacy["withheld"], topology["log"].read_text(errors="replace")[-3000:]
    blocked = requests.get(f"{node_a.url}{urlsplit(personal['url']).path}", timeout=30)
    assert blocked.status_code == 403

    # Both nodes answer ready: the same database, queue with its live worker, storage, search.
    for node in (node_a, node_b):
        ready = requests.get(f"{node.url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.json()
