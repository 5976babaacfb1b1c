"""Slow down password guessing on the login form.

Failed logins are recorded with the user name and the client address. After `PER_ACCOUNT`
failures for one name from one address within `WINDOW`, or `PER_ADDRESS` failures from one
address for any names, that address must wait until the oldest of those failures leaves the
window. Keying the account limit on the address too means a stranger cannot lock a colleague out
by failing on purpose from elsewhere. A successful login clears the name's failures from that
address. Rows are shared through the database, so every gunicorn worker sees the same counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from portal.auth.models import LoginFailure
from portal.database import utcnow, write_transaction

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 30
# Rows older than this are removed whenever a failure is recorded.
KEEP = timedelta(days=1)


def normalise(username: str) -> str:
    return username.strip().lower()[:254]


def retry_after(session: Session, username: str, ip: str, now: datetime | None = None) -> int:
    """Seconds this address must wait before trying this name again (0: it may try now)."""
    now = now or utcnow()
    since = now - WINDOW
    recent = select(LoginFailure.created).where(
        LoginFailure.ip == ip, LoginFailure.created > since
    )
    waits = [
        _wait(session, recent.where(LoginFailure.username == normalise(username)), PER_ACCOUNT),
        _wait(session, recent, PER_ADDRESS),
    ]
    until = max((w for w in waits if w is not None), default=None)
    return 0 if until is None else max(1, int((until + WINDOW - now).total_seconds()) + 1)


def _wait(session: Session, recent: Select, limit: int) -> datetime | None:
    """The failure whose expiry lifts the limit, when the limit is reached."""
    count = session.scalar(select(func.count()).select_from(recent.subquery())) or 0
    if count < limit:
        return None
    # The limit lifts when all but limit-1 of the recent failures have aged out.
    return session.scalar(recent.order_by(LoginFailure.created.desc()).offset(limit - 1).limit(1))


def record_failure(session: Session, username: str, ip: str) -> None:
    now = utcnow()
    with write_transaction(session):
        session.execute(delete(LoginFailure).where(LoginFailure.created < now - KEEP))
        session.add(LoginFailure(username=normalise(username), ip=ip, created=now))


def clear(session: Session, username: str, ip: str) -> None:
    with write_transaction(session):
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.username == normalise(username), LoginFailure.ip == ip
            )
        )

