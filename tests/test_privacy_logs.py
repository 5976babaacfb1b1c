"""API tokens and e-mail addresses never appear in the logs or the activity stream: a citizen
registers, confirms, logs in, creates a token and uses it (and a wrong one) while every log
record of every logger is written as the JSON lines of portal.request_log; then the captured
lines and every activity row are searched for the secret and the address."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import select

from portal.catalog.models import Activity
from portal.request_log import install_json_logging
from tests import smtp_server
from tests.test_registration import confirmation_link, login, register
from tests.test_web_publisher import csrf

inbox = smtp_server.inbox
EMAIL = "zhangsan@example.com"


@pytest.fixture
def json_logs(app, capsys):
    """Every record (DEBUG and up, any logger but the test's own SMTP server, aiosmtpd's
    "mail.log", which logs what it receives) as the JSON lines the portal writes."""
    app.extensions["portal.settings"].log_format = "json"
    handler = install_json_logging()
    root, level = logging.getLogger(), logging.getLogger().level
    root.setLevel(logging.DEBUG)
    capsys.readouterr()
    yield lambda: [
        record
        for record in map(json.loads, filter(None, capsys.readouterr().err.splitlines()))
        if record["logger"] != "mail.log"
    ]
    root.setLevel(level)
    root.removeHandler(handler)


def test_no_token_or_email_in_logs_or_activity(app, client, api, cast, inbox, json_logs):
    assert register(client, email=EMAIL).status_code == 200
    [message] = inbox.wait_for(1)
    client.get(confirmation_link(message))
    assert login(client).status_code == 302
    form = {"name": "脚本", "csrf_token": csrf(client, "/user/tokens")}
    page = client.post("/user/tokens", data=form)
    token = re.search(r'id="new-token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    headers = {"Authorization": token}
    assert client.get("/api/3/action/user_show", headers=headers).status_code == 200
    assert client.get("/api/3/action/api_token_list", headers=headers).status_code == 200
    dataset = api.ok("package_create", cast.editor, name="hotline", title="市民热线",
                     owner_org="transport", author_email="office@transport.gov.cn")  # fmt: skip
    assert client.get(f"/api/3/action/package_show?id={dataset['id']}",
                      headers={"X-CKAN-API-Key": token}).status_code == 200  # fmt: skip
    assert client.get("/api/3/action/user_show",
                      headers={"Authorization": token + "x"}).status_code == 403  # fmt: skip
    client.get(f"/api/3/action/user_show?id=zhang-san&token={token}&email={EMAIL}")

    lines = json_logs()
    requests = [line for line in lines if line["logger"] == "portal.request"]
    assert len(requests) >= 8 and any(line["endpoint"] == "action:user_show" for line in requests)
    assert any(line.get("user_id") for line in requests)  # who, by id only
    logged = json.dumps(lines, ensure_ascii=False)
    assert token not in logged and token[:12] not in logged
    assert EMAIL not in logged and "zhangsan@" not in logged

    with app.extensions["portal.db"].factory() as session:
        rows = [a.data for a in session.scalars(select(Activity))]
    activity = json.dumps(rows, ensure_ascii=False)
    assert token not in activity and EMAIL not in activity
    assert "市民热线" in activity  # the activity was read, and the dataset is in it


def test_a_failed_mail_is_logged_without_the_address(app, client, cast, json_logs):
    settings = app.extensions["portal.settings"]
    settings.smtp_url = f"smtp://127.0.0.1:{smtp_server.free_port()}"  # nothing listens
    settings.site_url = "https://data.example.gov.cn"
    session = app.extensions["portal.db"].session()
    cast.stranger.user.email = EMAIL
    session.commit()
    client.post("/user/reset", data={"email": EMAIL, "csrf_token": csrf(client, "/user/reset")})
    lines = json_logs()
    assert any("could not send mail" in line["message"] for line in lines)
    assert EMAIL not in json.dumps(lines, ensure_ascii=False)
