"""Citizens register themselves (PORTAL_REGISTRATION, on by default): the account is pending
until the link mailed to its address (a real local SMTP server here) is followed, login says so
meanwhile, and the link works once."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.auth.models import User
from tests import smtp_server
from tests.test_web_pages import text
from tests.test_web_publisher import csrf

inbox = smtp_server.inbox  # the fixture: a local SMTP server the app sends to

PASSWORD = "公交 correct horse"


def register(client, **fields):
    form = {
        "name": "zhang-san",
        "fullname": "张三",
        "email": "zhangsan@example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(
        "/user/register", data={**form, "csrf_token": csrf(client, "/user/register")}
    )


def login(client, username="zhang-san", password=PASSWORD):
    return client.post(
        "/user/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf(client, "/user/login"),
        },
    )


def confirmation_link(message) -> str:
    body = message.get_content()
    return re.search(r"https://data\.example\.gov\.cn(/user/confirm/\S+)", body).group(1)


def user(app, name="zhang-san"):
    session = app.extensions["portal.db"].session()
    session.expire_all()
    return session.scalar(select(User).where(User.name == name))


def test_registration_mails_a_chinese_confirmation_link_and_the_account_waits_for_it(
    client, app, inbox
):
    response = register(client)
    assert response.status_code == 200 and "请查收电子邮件" in text(response)
    [message] = inbox.wait_for(1)
    assert message["To"] == "zhangsan@example.com"
    assert message["Subject"] == "请确认您在数据开放平台注册的电子邮箱"
    assert "张三，您好" in message.get_content()
    assert user(app).state == "pending" and not user(app).sysadmin
    refused = login(client)
    assert refused.status_code == 401 and "尚未确认" in text(refused)


def test_following_the_link_activates_the_account_once(client, app, inbox):
    register(client)
    link = confirmation_link(inbox.wait_for(1)[0])
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/user/login"
    assert user(app).state == "active"
    assert login(client).status_code == 302
    again = client.get(link)
    assert again.status_code == 400 and "链接已过期或已被使用" in text(again)


def test_a_forged_confirmation_link_is_refused(client, inbox):
    assert client.get("/user/confirm/not-a-token").status_code == 400


def test_registration_errors_are_shown_in_chinese(client, app, inbox):
    short = register(client, password="短", password2="短")
    assert short.status_code == 409 and "至少需要 8 个字符" in text(short)
    mismatch = register(client, password2="另一个密码 horse")
    assert mismatch.status_code == 409 and "两次输入的密码不一致" in text(mismatch)
    bad_name = register(client, name="张三")
    assert "2 至 100" in text(bad_name)
    assert user(app) is None and inbox.messages == []


def test_a_taken_name_or_email_is_refused(client, app, cast, inbox):
    taken = register(client, name="citizen")
    assert taken.status_code == 409 and "该登录名不可用" in text(taken)
    email = register(client, email="Citizen@example.gov.cn")
    assert email.status_code == 409 and "已有账号使用这个电子邮箱地址" in text(email)
    page_name = register(client, name="login")
    assert page_name.status_code == 409


def test_registration_cannot_make_a_sysadmin(client, app, inbox):
    register(client, sysadmin="true")
    assert user(app) is not None and not user(app).sysadmin


def test_registrations_from_one_address_are_throttled(client, app, inbox):
    for i in range(5):
        assert register(client, name=f"user-{i}", email=f"u{i}@example.com").status_code == 200
    throttled = register(client, name="user-9", email="u9@example.com")
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert user(app, "user-9") is None


def test_registration_can_be_turned_off(client, app, inbox):
    app.extensions["portal.settings"].registration = False
    page = client.get("/user/register")
    assert page.status_code == 404 and "本站不开放注册" in text(page)
    assert "注册一个" not in text(client.get("/user/login"))


def test_registration_is_not_offered_without_mail(client, app):
    page = client.get("/user/register")
    assert page.status_code == 404 and "本站不开放注册" in text(page)


def test_the_login_page_links_to_registration_and_reset_when_mail_works(client, inbox):
    page = text(client.get("/user/login"))
    assert 'href="/user/register"' in page and 'href="/user/reset"' in page
