"""The tokens in account e-mails (confirm an address, reset a password): signed with the site's
secret key, expiring, and single-use without a table.

A token carries the user's id and a fingerprint of the account's state, password hash and
e-mail address. Following a confirmation link activates the account and a reset link changes
the password: either changes the fingerprint, so the same link never works twice, and an
older reset link stops working once the password has changed by any means.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.auth.models import User

CONFIRM = "confirm-email"
RESET = "reset-password"
MAX_AGE = {CONFIRM: timedelta(days=3), RESET: timedelta(hours=1)}


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    # A salt per purpose: a confirmation token is never accepted as a reset token.
    return URLSafeTimedSerializer(secret_key, salt=f"portal.account.{purpose}")


def _fingerprint(user: User) -> str:
    state = f"{user.state}\0{user.password_hash or ''}\0{(user.email or '').lower()}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(secret_key: str, purpose: str, user: User) -> str:
    return _serializer(secret_key, purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(session: Session, secret_key: str, purpose: str, token: str) -> User | None:
    """The user a token was made for, if it is genuine, not expired and not used yet."""
    max_age = int(MAX_AGE[purpose].total_seconds())
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    user = session.get(User, data["u"])
    if user is None or user.state == "deleted" or data.get("f") != _fingerprint(user):
        return None
    return user
