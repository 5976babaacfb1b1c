"""/user/<name> is a public profile: display name, about, departments and the public datasets
the user created; never the e-mail address; pending or unknown users are 404."""

from __future__ import annotations

from portal.actions import call
from tests.conftest import site_context
from tests.test_web_pages import text


def test_a_profile_shows_departments_and_public_datasets_but_not_the_email(client, app, cast):
    session = app.extensions["portal.db"].session()
    editor = session.merge(cast.editor.user)
    editor.fullname, editor.about = "王编辑", "负责**公交**数据。"
    session.commit()
    context = site_context(app, editor)
    base = {"owner_org": cast.transport.id, "license_id": "cc-by-4.0"}
    call("package_create", context, {**base, "name": "bus-lines", "title": "公交线路"})
    context = site_context(app, session.merge(cast.editor.user))
    call(
        "package_create",
        context,
        {**base, "name": "secret-plan", "title": "内部规划", "private": True},
    )
    page = client.get("/user/transport-editor")
    assert page.status_code == 200
    html = text(page)
    assert "<h1>王编辑</h1>" in html and "<strong>公交</strong>" in html
    assert "省交通运输厅" in html and "公交线路" in html
    assert "内部规划" not in html and "@example.gov.cn" not in html


def test_unknown_and_pending_users_have_no_profile(client, app, cast):
    assert client.get("/user/nobody-here").status_code == 404
    session = app.extensions["portal.db"].session()
    session.merge(cast.stranger.user).state = "pending"
    session.commit()
    assert client.get("/user/citizen").status_code == 404
