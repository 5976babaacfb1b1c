"""Login throttling counts failures against the account a name or e-mail resolves to, and a
busy address (an office NAT, or every client behind an untrusted proxy) slows down instead of
locking out everyone who shares it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth import throttle
from portal.auth.models import LoginFailure
from portal.auth.passwords import hash_password
from tests.test_web_pages import text
from tests.test_web_publisher import csrf

OFFICE = "203.0.113.7"
PASSWORDS = {"transport-editor": "公交 correct horse", "transport-admin": "地铁 battery staple"}


@pytest.fixture
def passwords(app, cast):
    session = app.extensions["portal.db"].session()
    for person in (cast.editor, cast.admin):
        session.merge(person.user).password_hash = hash_password(PASSWORDS[person.name])
    session.commit()


def attempt(app, username: str, password: str, address: str = OFFICE):
    client = app.test_client()
    return client.post(
        "/user/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf(client, "/user/login"),
        },
        environ_base={"REMOTE_ADDR": address},
    )


def age_failures(app, by: timedelta) -> None:
    """Move every recorded failure back in time (instead of waiting)."""
    session = app.extensions["portal.db"].session()
    for failure in session.scalars(select(LoginFailure)):
        failure.created -= by
    session.commit()


def test_name_and_email_share_one_count_of_failures(app, passwords):
    for i in range(throttle.PER_ACCOUNT):
        typed = "transport-editor" if i % 2 else "transport-editor@example.gov.cn"
        assert attempt(app, typed, "猜错了").status_code == 401
    for typed in ("transport-editor", "Transport-Editor@example.gov.cn ", "transport-editor"):
        locked = attempt(app, typed, PASSWORDS["transport-editor"])
        assert locked.status_code == 429 and "尝试失败次数过多" in text(locked)


def test_many_failures_at_one_address_do_not_lock_out_other_accounts(app, passwords):
    # Someone at the office address guesses at a colleague, then tries a long list of names.
    for _ in range(throttle.PER_ACCOUNT):
        assert attempt(app, "transport-editor", "123456").status_code == 401
    for i in range(throttle.PER_ADDRESS_UNKNOWN + 10):
        attempt(app, f"用户{i}", "123456")
    # A colleague behind the same address is slowed down for a moment, not locked out.
    slowed = attempt(app, "transport-admin", PASSWORDS["transport-admin"])
    assert slowed.status_code == 429
    assert 0 < int(slowed.headers["Retry-After"]) <= throttle.SPACING.total_seconds() + 1
    assert "秒后重试" in text(slowed)
    age_failures(app, throttle.SPACING)
    assert attempt(app, "transport-admin", PASSWORDS["transport-admin"]).status_code == 302
    # The account that was guessed at stays locked from that address for the window.
    age_failures(app, throttle.SPACING)
    assert attempt(app, "transport-editor", PASSWORDS["transport-editor"]).status_code == 429
    # ... but not from anywhere else.
    elsewhere = attempt(app, "transport-editor", PASSWORDS["transport-editor"], "198.51.100.9")
    assert elsewhere.status_code == 302


def test_a_busy_address_may_still_try_once_per_spacing(app, passwords):
    for i in range(throttle.PER_ADDRESS_UNKNOWN):
        attempt(app, f"nobody-{i}", "wrong")
    age_failures(app, throttle.SPACING)
    assert attempt(app, "transport-admin", "still wrong").status_code == 401
    # Straight after a failure the address waits, whatever name it types next.
    assert attempt(app, "nobody-else", "wrong").status_code == 429
    assert attempt(app, "transport-admin", PASSWORDS["transport-admin"]).status_code == 429
    # A quiet address is not slowed down by the busy one.
    assert attempt(app, "transport-admin", "wrong", "198.51.100.9").status_code == 401


def test_failures_at_unknown_names_are_counted_by_the_typed_name(app, passwords):
    for _ in range(throttle.PER_ACCOUNT):
        assert attempt(app, "no-such-user", "wrong").status_code == 401
    # The same answer as for a real account that was guessed at: no hint the name is unused.
    assert attempt(app, "no-such-user", "wrong").status_code == 429
    assert attempt(app, "transport-editor", PASSWORDS["transport-editor"]).status_code == 302


def test_no_client_address_is_stored_only_a_keyed_hash(app, passwords):
    attempt(app, "transport-editor", "wrong", address=OFFICE)
    attempt(app, "transport-editor", "wrong", address="198.51.100.9")
    session = app.extensions["portal.db"].session()
    stored = set(session.scalars(select(LoginFailure.ip)))
    assert len(stored) == 2 and not stored & {OFFICE, "198.51.100.9"}
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in stored)
    # The same address gives the same key, so it is still counted as one.
    assert throttle.address_key(OFFICE, app.config["SECRET_KEY"]) in stored
