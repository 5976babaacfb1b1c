"""A forgotten password is reset through a link mailed to the account's address (a real local
SMTP server here): the page answers the same whether or not the address has an account, the
link works once and sets a new password, and requests are throttled."""

from __future__ import annotations

import re

import pytest

from portal.auth.models import User
from portal.auth.passwords import check_password, hash_password
from tests import smtp_server
from tests.test_web_pages import text
from tests.test_web_publisher import csrf

inbox = smtp_server.inbox  # the fixture: a local SMTP server the app sends to

NEW = "新的 battery staple"


@pytest.fixture
def citizen(app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.stranger.user).password_hash = hash_password("旧密码 old horse")
    session.commit()
    return cast.stranger


def ask(client, email="citizen@example.gov.cn"):
    return client.post(
        "/user/reset", data={"email": email, "csrf_token": csrf(client, "/user/reset")}
    )


def choose(client, path, password=NEW, again=None):
    return client.post(
        path,
        data={
            "password": password,
            "password2": again or password,
            "csrf_token": csrf(client, path),
        },
    )


def reset_path(message) -> str:
    return re.search(
        r"https://data\.example\.gov\.cn(/user/reset/\S+)", message.get_content()
    ).group(1)


def password_hash(app, person):
    session = app.extensions["portal.db"].session()
    session.expire_all()
    return session.get(User, person.user.id).password_hash


def test_a_reset_link_is_mailed_in_chinese_and_sets_a_new_password_once(
    client, app, citizen, inbox
):
    answer = ask(client)
    assert answer.status_code == 200 and "如果有账号使用这个地址" in text(answer)
    [message] = inbox.wait_for(1)
    assert message["To"] == "citizen@example.gov.cn"
    assert message["Subject"] == "重置您在数据开放平台的密码"
    path = reset_path(message)
    assert "设置新密码" in text(client.get(path))
    done = choose(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/user/login"
    assert check_password(password_hash(app, citizen), NEW)
    used = client.get(path)
    assert used.status_code == 400 and "链接已过期或已被使用" in text(used)
    again = {"password": "再一次 other horse", "password2": "再一次 other horse"}
    token = csrf(client, "/user/reset")
    assert client.post(path, data={**again, "csrf_token": token}).status_code == 400


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, citizen, inbox):
    known = text(ask(client))
    unknown = ask(client, "nobody@example.com")
    assert unknown.status_code == 200
    assert re.sub(r'value="[^"]+"', "", text(unknown)) == re.sub(r'value="[^"]+"', "", known)
    inbox.wait_for(1)
    assert len(inbox.messages) == 1


def test_a_short_or_mismatched_new_password_is_refused_in_chinese(client, app, citizen, inbox):
    ask(client)
    path = reset_path(inbox.wait_for(1)[0])
    short = choose(client, path, "短")
    assert short.status_code == 409 and "至少需要 8 个字符" in text(short)
    mismatch = choose(client, path, NEW, "别的密码 horse")
    assert mismatch.status_code == 409 and "两次输入的密码不一致" in text(mismatch)
    assert check_password(password_hash(app, citizen), "旧密码 old horse")


def test_a_forged_reset_link_is_refused(client, citizen, inbox):
    page = client.get("/user/reset/forged.token")
    assert page.status_code == 400


def test_reset_requests_from_one_address_are_throttled(client, citizen, inbox):
    for _ in range(5):
        assert ask(client, "nobody@example.com").status_code == 200
    throttled = ask(client)
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert inbox.messages == []


def test_reset_is_not_offered_without_mail(client, citizen):
    page = client.get("/user/reset")
    assert page.status_code == 404 and "本站无法发送电子邮件" in text(page)
