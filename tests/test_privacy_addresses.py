"""No raw client address is stored: after a visitor from one address views, searches,
downloads, calls the API and fails a login, that address is in no row of any table."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from portal.apps import usage as api_usage
from portal.database import Base
from portal.stats import usage
from tests.conftest import create_dataset
from tests.test_login_throttle import attempt, passwords  # noqa: F401
from tests.test_stats import BROWSER, upload

ADDRESS = "203.0.113.77"


def stored_text(app) -> str:
    session = app.extensions["portal.db"].session()
    rows = [repr(tuple(row)) for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))]  # fmt: skip
    session.commit()
    return "\n".join(rows)


def test_a_visit_leaves_no_client_address_in_the_database(app, client, cast, passwords):  # noqa: F811
    bus = create_dataset(app, "bus-routes", cast.transport, title="全省公交线路")
    resource = upload(app, bus["id"])
    visitor = {"environ_base": {"REMOTE_ADDR": ADDRESS}, "headers": {"User-Agent": BROWSER}}
    assert client.get("/dataset/bus-routes", **visitor).status_code == 200
    assert client.get("/dataset", query_string={"q": "公交"}, **visitor).status_code == 200
    assert client.get("/api/3/action/package_show?id=bus-routes", **visitor).status_code == 200
    assert client.get(urlsplit(resource["url"]).path, **visitor).status_code == 200
    attempt(app, "transport-editor", "wrong", address=ADDRESS)
    assert usage.flush(app) > 0 and api_usage.flush(app) > 0
    stored = stored_text(app)
    assert "全省公交线路" in stored  # the dump does read the rows
    assert ADDRESS not in stored
