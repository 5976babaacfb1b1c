"""API tokens: 256 random bits shown once; only their SHA-256 is stored.

A slow KDF buys nothing for tokens of this entropy, and a fast hash keeps per-request
authentication cheap.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.auth.models import ApiToken, User
from portal.database import begin_write, utcnow

PREFIX = "odp_"


def new_token() -> tuple[str, str]:
    """Return (secret shown to the user, hash to store)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    return secret, token_hash(secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def find_token(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret: None when unknown, expired or its user is not active."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.user.state != "active":
        return None
    now = utcnow()
    if token.expires_at is not None and token.expires_at <= now:
        return None  # an expired key is no key, as CKAN treats an expired token
    # Record use at most once a minute so reads do not turn into writes on every request;
    # in its own short write transaction (SQLite cannot upgrade a reader to a writer safely).
    if token.last_access is None or (now - token.last_access).total_seconds() > 60:
        token_id = token.id
        session.commit()
        begin_write(session)
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_access=now))
        session.commit()
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    token = find_token(session, secret)
    return token.user if token is not None else None
