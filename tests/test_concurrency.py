"""Concurrent writers through several gunicorn workers on the embedded SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from live_server import LivePortal, running_portal

pytestmark = pytest.mark.server

THREADS = 8
DATASETS_PER_THREAD = 5  # each created, then updated: 8 × 5 × 2 = 80 writes
TIMEOUT = 60


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    with running_portal(tmp_path_factory.mktemp("concurrency"), workers=4) as portal:
        yield portal


def _post(session: requests.Session, url: str, action: str, data: dict) -> tuple[int, Any]:
    response = session.post(f"{url}/api/3/action/{action}", json=data, timeout=TIMEOUT)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body


def _writer(portal: LivePortal, thread: int) -> list[tuple[str, str, int, Any]]:
    """Create some datasets, then rewrite each with package_update; record every answer."""
    calls = []
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = portal.token
        names = [f"writer-{thread}-dataset-{n}" for n in range(DATASETS_PER_THREAD)]
        for n, name in enumerate(names):
            data = {
                "name": name,
                "title": f"第{thread}组并发写入数据集{n}",
                "owner_org": "concurrency-dept",
                "notes": "并发创建",
                "tags": [{"name": "并发"}, {"name": f"线程{thread}"}],
            }
            status, body = _post(session, portal.url, "package_create", data)
            calls.append(("package_create", name, status, body))
        for n, name in enumerate(names):
            data = {
                "id": name,
                "name": name,
                "title": f"第{thread}组并发更新数据集{n}",
                "owner_org": "concurrency-dept",
                "notes": "并发更新",
                "tags": [{"name": "并发"}],
            }
            status, body = _post(session, portal.url, "package_update", data)
            calls.append(("package_update", name, status, body))
    return calls


def test_concurrent_writers_never_see_database_is_locked(four_workers: LivePortal):
    portal = four_workers
    log_start = len(portal.log())
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = portal.token
        status, body = _post(
            session,
            portal.url,
            "organization_create",
            {"name": "concurrency-dept", "title": "并发测试厅"},
        )
        assert status == 200, body

    with ThreadPoolExecutor(THREADS) as pool:
        results = [
            call
            for calls in pool.map(_writer, [portal] * THREADS, range(THREADS))
            for call in calls
        ]

    failures = [
        (action, name, status, body)
        for action, name, status, body in results
        if status != 200 or not isinstance(body, dict) or body.get("success") is not True
    ]
    assert len(results) == THREADS * DATASETS_PER_THREAD * 2
    statuses = sorted({status for _, _, status, _ in failures})
    assert not failures, (
        f"{len(failures)} of {len(results)} writes failed (HTTP {statuses}); first: {failures[0]}"
    )
    log = portal.log()[log_start:]
    assert "database is locked" not in log
    assert "Traceback" not in log

    with requests.Session() as session:
        session.trust_env = False
        names = session.get(f"{portal.url}/api/3/action/package_list", timeout=TIMEOUT).json()
        shown = session.get(
            f"{portal.url}/api/3/action/package_show",
            params={"id": "writer-7-dataset-4"},
            timeout=TIMEOUT,
        ).json()["result"]
    expected = {
        f"writer-{t}-dataset-{n}" for t in range(THREADS) for n in range(DATASETS_PER_THREAD)
    }
    assert expected <= set(names["result"])
    assert shown["title"] == "第7组并发更新数据集4"
    assert [t["name"] for t in shown["tags"]] == ["并发"]
