"""PORTAL_SEARCH_REFRESH: with a delay, writes return before they are indexed and the job
worker's refresher makes them searchable within about that delay; "sync" (the tests' default,
which every other search test runs on) indexes inside the request."""

from __future__ import annotations

import time

import pytest
import requests

from portal import create_app
from portal.config import Settings, parse_refresh
from portal.search.refresh import refresh_once, refreshing
from tests.conftest import TEST_DATABASE_URL, _empty_postgres
from tests.live_server import running_portal


@pytest.fixture
def app(settings):
    """This module's portal leaves indexing to the refresher, 0.2 s (cast and client use it)."""
    settings.search_refresh = 0.2
    app = create_app(settings)
    app.config["TESTING"] = True
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    yield app
    app.extensions["portal.db"].dispose()


def found(client, q: str) -> list[str]:
    result = client.get("/api/3/action/package_search", query_string={"q": q}).get_json()
    return [d["name"] for d in result["result"]["results"]]


def create(client, person, name: str, title: str) -> None:
    body = {"name": name, "title": title, "owner_org": "transport"}
    response = client.post("/api/3/action/package_create", json=body, headers=person.headers)
    assert response.status_code == 200, response.get_json()


def test_with_a_delay_the_write_returns_before_indexing_and_a_refresh_indexes_it(app, client, cast):
    create(client, cast.editor, "bus-lines", "全省公交线路")
    assert found(client, "公交") == []  # not in the index yet: the worker's refresher does it
    assert client.get("/api/3/action/package_show?id=bus-lines").status_code == 200
    with app.app_context():
        assert refresh_once(app) == 1
    assert found(client, "公交") == ["bus-lines"]
    with app.app_context():
        assert refresh_once(app) == 0  # nothing pending twice


def test_the_refresher_thread_indexes_writes_within_the_delay(app, client, cast):
    # The analyzer loads its dictionaries on first use in a process (up to a second on a busy
    # machine): warm it first, so the delay measured is the refresher's own.
    assert found(client, "地铁站点") == []
    with refreshing(app):
        create(client, cast.editor, "metro-stations", "地铁站点")
        returned = time.monotonic()
        while not found(client, "地铁") and time.monotonic() - returned < 5:
            time.sleep(0.02)
        delay = time.monotonic() - returned
    assert found(client, "地铁") == ["metro-stations"]
    assert delay < 1.0


@pytest.mark.parametrize(
    ("value", "seconds"), [("sync", None), ("", None), ("0.5", 0.5), ("2", 2.0)]
)
def test_the_refresh_setting_reads_sync_or_seconds(value, seconds):
    assert parse_refresh(value) == seconds


@pytest.mark.parametrize("value", ["0", "-1", "61", "soon"])
def test_a_bad_refresh_setting_is_refused(value):
    with pytest.raises(ValueError):
        parse_refresh(value)


def test_portal_serve_defaults_to_a_half_second_refresh(settings):
    assert Settings.from_env({}, instance=settings.instance).search_refresh is None
    from portal.cli import DEFAULT_SERVE_REFRESH

    assert parse_refresh(DEFAULT_SERVE_REFRESH) == 0.5


@pytest.mark.server
def test_a_served_portal_makes_writes_searchable_within_a_second(tmp_path):
    with running_portal(tmp_path, workers=2, env={"PORTAL_SEARCH_REFRESH": "0.5"}) as portal:
        session = requests.Session()
        session.headers["Authorization"] = portal.token
        api = f"{portal.url}/api/3/action"
        org = {"name": "transport", "title": "交通运输厅"}
        assert session.post(f"{api}/organization_create", json=org, timeout=30).ok
        delays = []
        for n in range(4):
            body = {"name": f"bus-{n}", "title": f"公交线路{n}", "owner_org": "transport"}
            assert session.post(f"{api}/package_create", json=body, timeout=30).ok
            returned = time.monotonic()
            while time.monotonic() - returned < 5:
                result = session.get(f"{api}/package_search", params={"q": f"name:bus-{n}"}).json()
                if result["result"]["count"] == 1:
                    break
                time.sleep(0.02)
            delays.append(time.monotonic() - returned)
        # Written by the embedded worker's refresher, read by the web workers. The first
        # waits for the worker to load its analyzer dictionaries once.
        assert delays[0] < 5, delays
        assert sorted(delays[1:])[1] < 1.0 and max(delays[1:]) < 2.0, delays
