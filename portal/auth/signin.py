"""The login rules: which account a typed name means, whether this address may try now, the
password check, and where to go afterwards. The login page only shows the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth import throttle
from portal.auth.models import User
from portal.auth.passwords import check_password, hash_password

# A real Argon2 hash, checked when no account has the typed name so both paths take as long.
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class Attempt:
    """What a login attempt came to: the user when it succeeded; `retry_after` seconds when the
    attempt was refused unchecked because of earlier failures; neither for a wrong password.
    `unconfirmed`: the password was right but the account waits for its e-mail confirmation."""

    user: User | None
    retry_after: int = 0
    unconfirmed: bool = False


def sign_in(session: Session, typed_name: str, password: str, address: str) -> Attempt:
    """Check a name (or e-mail) and password typed at the login form from `address`."""
    user = find_account(session, typed_name)
    key = throttle.account_key(user.id if user else None, typed_name)
    wait = throttle.retry_after(session, key, address)
    if wait:
        # The password is not even checked: a locked-out guesser learns nothing.
        return Attempt(None, wait)
    valid = check_password(user.password_hash if user else _dummy_hash(), password)
    if user is not None and valid and user.is_active:
        throttle.clear(session, key, address)
        return Attempt(user)
    if user is not None and valid and user.state == "pending":
        # Said only to whoever knows the password: it reveals nothing to a guesser.
        return Attempt(None, unconfirmed=True)
    throttle.record_failure(session, key, address)
    return Attempt(None)


def find_account(session: Session, typed_name: str) -> User | None:
    """The account a typed user name or e-mail address names (None when none does)."""
    text = typed_name.strip()
    if not text:
        return None
    # A name wins over another account's e-mail address that happens to read the same.
    return session.scalar(select(User).where(User.name == text)) or session.scalar(
        select(User).where(func.lower(User.email) == text.lower()).order_by(User.created).limit(1)
    )


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`. Browsers read `//host`, `/\\host`
    and their encoded or tab-split forms as another site, so anything that is not plainly one
    leading slash followed by a path is refused."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    decoded = unquote(target)
    for form in (target, decoded):
        if not _site_path(form):
            return default
    return target


def _site_path(value: str) -> bool:
    if not value.startswith("/") or value[1:2] in ("/", "\\") or "\\" in value:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-password")
    return _DUMMY_HASH
