"""Sysadmins create users and put them in departments at /admin/users (through user_create and
organization_member_create); everyone else gets 403."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User
from portal.catalog.models import Member
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf


def member_role(app, name, org):
    session = app.extensions["portal.db"].session()
    session.expire_all()
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        return None
    return session.scalar(
        select(Member.role).where(Member.user_id == user.id, Member.organization_id == org.id)
    )


def test_only_sysadmins_see_the_user_administration(client, cast):
    assert client.get("/admin/users").status_code == 302  # to the login page
    login_as(client, cast.admin)
    assert client.get("/admin/users").status_code == 403


def test_a_sysadmin_creates_a_user_in_a_department(client, app, cast):
    login_as(client, cast.sysadmin)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "<h1>用户</h1>" in text(page)
    assert 'for="field-organization"' in text(page) and "transport-editor" in text(page)
    form = {
        "name": "li-si",
        "fullname": "李四",
        "email": "lisi@example.gov.cn",
        "password": "交通 correct horse",
        "organization": "transport",
        "role": "editor",
        "csrf_token": csrf(client, "/admin/users"),
    }
    created = client.post("/admin/users", data=form)
    assert created.status_code == 302
    assert member_role(app, "li-si", cast.transport) == "editor"
    assert "用户 li-si 已创建" in text(client.get("/admin/users"))


def test_a_refused_user_is_shown_in_chinese_and_not_half_made(client, app, cast):
    login_as(client, cast.sysadmin)
    form = {
        "name": "wang-wu",
        "email": "wangwu@example.gov.cn",
        "password": "短",
        "organization": "transport",
        "role": "admin",
        "csrf_token": csrf(client, "/admin/users"),
    }
    refused = client.post("/admin/users", data=form)
    assert refused.status_code == 409 and "至少需要 8 个字符" in text(refused)
    assert member_role(app, "wang-wu", cast.transport) is None


def test_a_sysadmin_adds_an_existing_user_to_a_department(client, app, cast):
    login_as(client, cast.sysadmin)
    form = {
        "username": "citizen",
        "organization": "health",
        "role": "member",
        "csrf_token": csrf(client, "/admin/users"),
    }
    assert client.post("/admin/users/member", data=form).status_code == 302
    assert member_role(app, "citizen", cast.health) == "member"


def test_others_cannot_add_members_through_the_admin_form(client, app, cast):
    login_as(client, cast.admin)
    form = {"username": "citizen", "organization": "transport", "role": "admin"}
    token = csrf(client, "/dashboard")
    response = client.post("/admin/users/member", data={**form, "csrf_token": token})
    assert response.status_code == 403
    assert member_role(app, "citizen", cast.transport) is None
