"""Shared fixtures: a fresh portal instance per test, with a small realistic cast of users.

The database is SQLite by default. Set PORTAL_TEST_DATABASE_URL to a PostgreSQL URL to run the
same tests on PostgreSQL (`make test-postgres` does); tables are emptied between tests there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from portal import create_app
from portal.actions import Context, call, transaction
from portal.auth.models import ApiToken, User
from portal.auth.tokens import new_token
from portal.catalog.models import Member, Organization
from portal.config import Settings
from portal.migrate import upgrade


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker empties tables between its tests: each gets a database
    of its own (portal_test_gw0, portal_test_gw1, ... created by scripts/postgres.sh)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{url}_{worker}" if url and worker else url


TEST_DATABASE_URL = _worker_database(os.environ.get("PORTAL_TEST_DATABASE_URL", ""))


def _memoize_url_builders() -> None:
    """Every test builds a fresh app, and werkzeug compiles two URL-builder functions with
    `compile()` for each of its ~60 routes: 60 ms an app, a quarter of the suite's time. The
    code depends only on the rule's text, its parsed parts and its defaults, so one process
    compiles each once; every app still gets its own rules, map and bound builders."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    cache: dict[tuple, Any] = {}

    def cached(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in cache:
            cache[key] = compile_builder(self, append_unknown)
        return cache[key]

    Rule._compile_builder = cached


_memoize_url_builders()
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "portal.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    upgrade(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


def _empty_postgres(app: Flask) -> None:
    engine = app.extensions["portal.db"].engine
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename NOT IN ('alembic_version', 'license', 'license_alias')"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    instance = tmp_path / "instance"
    instance.mkdir()
    if TEST_DATABASE_URL:
        database_url = request.getfixturevalue("migrated_postgres")
    else:
        template = request.getfixturevalue("migrated_sqlite")
        shutil.copy(template, instance / "portal.db")
        database_url = f"sqlite:///{instance / 'portal.db'}"
    # Link checks would reach out to the (example) resource URLs: tests of the link checker
    # turn them on against a local server.
    return Settings.from_env(
        {}, instance=instance, database_url=database_url, queue_url="memory://", link_check=False
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    # No app context stays pushed: each test-client request gets its own, so one caller's
    # identity (flask.g, flask-login's user) never leaks into the next request.
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Person:
    name: str
    user: User | None
    token: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token} if self.token else {}


def make_user(app: Flask, name: str, sysadmin: bool = False) -> Person:
    """Insert a user and a token directly: fixtures skip the deliberately slow password KDF."""
    session = app.extensions["portal.db"].session()
    user = User(name=name, email=f"{name}@example.gov.cn", sysadmin=sysadmin)
    session.add(user)
    secret, hashed = new_token()
    session.flush()
    session.add(ApiToken(user_id=user.id, name="test", token_hash=hashed))
    session.commit()
    return Person(name, user, secret)


@dataclass
class Cast:
    """Who the permission tests act as."""

    anonymous: Person
    sysadmin: Person
    admin: Person  # admin of transport
    editor: Person  # editor of transport
    member: Person  # member of transport
    outsider: Person  # admin of health, nothing in transport
    stranger: Person  # logged in, no department
    transport: Organization
    health: Organization



@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A local HTTP server the harvest tests serve remote catalogs from, the only local
    address the harvester may reach (test_harvest_support.FixtureServer). Modules testing
    other clients (fetch, link checks, Elasticsearch) define a `server` of their own."""
    from test_harvest_support import start_server

    server = start_server(monkeypatch)
    yield server
    server.stop()

@pytest.fixture
def cast(app: Flask) -> Cast:
    session = app.extensions["portal.db"].session()
    people = {
        "sysadmin": make_user(app, "sysadmin", sysadmin=True),
        "admin": make_user(app, "transport-admin"),
        "editor": make_user(app, "transport-editor"),
        "member": make_user(app, "transport-member"),
        "outsider": make_user(app, "health-admin"),
        "stranger": make_user(app, "citizen"),
    }
    transport = Organization(
        name="transport", title="省交通运输厅", title_en="Department of Transport"
    )
    health = Organization(name="health", title="省卫生健康委员会", title_en="Health Commission")
    session.add_all([transport, health])
    session.flush()
    for key, org, role in [
        ("admin", transport, "admin"),
        ("editor", transport, "editor"),
        ("member", transport, "member"),
        ("outsider", health, "admin"),
    ]:
        session.add(Member(organization_id=org.id, user_id=people[key].user.id, role=role))
    session.commit()
    return Cast(
        anonymous=Person("anonymous", None, None), transport=transport, health=health, **people
    )


class Api:
    """Calls the Action API over the test client, as a CKAN client would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, action: str, person: Person | None = None, **data: Any) -> Any:
        headers = person.headers if person else {}
        return self.client.post(f"/api/3/action/{action}", json=data, headers=headers)

    def get(self, action: str, person: Person | None = None, **params: Any) -> Any:
        headers = person.headers if person else {}
        return self.client.get(f"/api/3/action/{action}", query_string=params, headers=headers)

    def ok(self, action: str, person: Person | None = None, **data: Any) -> Any:
        response = self.post(action, person, **data)
        body = response.get_json()
        assert response.status_code == 200 and body["success"], (response.status_code, body)
        return body["result"]


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def site_context(app: Flask, user: User | None = None) -> Context:
    session = app.extensions["portal.db"].session()
    return Context(session=session, app=app, user=user, ignore_auth=user is None)



@contextmanager
def site_batch(app: Flask) -> Iterator[Context]:
    """Actions as the site in one transaction, as a harvester's batch runs them: every call()
    joins it, and the search index is written once, after the commit."""
    context = site_context(app)
    with transaction(context):
        yield context

def create_dataset(app: Flask, name: str, org: Organization, **fields: Any) -> dict[str, Any]:
    """A dataset created through the action layer as the site itself."""
    data = {"name": name, "title": fields.pop("title", name), "owner_org": org.id, **fields}
    return call("package_create", site_context(app), data)
