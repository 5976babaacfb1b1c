"""Slow down password guessing on the login form.

Failed logins are recorded with the account they were aimed at and the client address. The
account is the one the typed name or e-mail resolves to, so a name and an e-mail address share
one count; text that names no account is counted under itself (marked with a leading "?").

- Per account and address: after `PER_ACCOUNT` failures within `WINDOW` that address must wait
  until the oldest of them leaves the window, and the password is not checked meanwhile. Keying
  on the address too means a stranger elsewhere cannot lock a colleague out by failing on purpose.
- Per address: many clients can share one address (an office NAT, or every client behind a
  reverse proxy the portal is not told to trust: README, PORTAL_TRUSTED_PROXIES), so an address
  is never locked out as a whole. Once it has `PER_ADDRESS_UNKNOWN` failures at names that match
  no account (scanning), or `PER_ADDRESS` failures in all (spraying one guess over many
  accounts), it may make only one attempt every `SPACING`: a correct password still gets in,
  a second later, while guessing from there crawls.

A successful login clears that account's failures from that address. Rows are shared through
the database, so every gunicorn worker sees the same counts.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.orm import Session

from portal.auth.models import LoginFailure
from portal.database import utcnow, write_transaction

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS_UNKNOWN = 30
PER_ADDRESS = 100
SPACING = timedelta(seconds=2)
# Rows older than this are removed whenever a failure is recorded.
KEEP = timedelta(days=1)
UNKNOWN = "?"



def address_key(address: str, secret: str) -> str:
    """What is stored of a client address: a keyed hash, enough to count one address's
    attempts and never the address itself (the key is the site's secret, so the few billion
    IPv4 addresses cannot be tried one by one to undo it)."""
    digest = hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()
    return digest[:32]

def normalise(username: str) -> str:
    return username.strip().lower()[:200]


def account_key(user_id: str | None, typed_name: str) -> str:
    """What failures are counted under: the account's id, or the typed text when it names none."""
    return user_id if user_id else UNKNOWN + normalise(typed_name)


def retry_after(session: Session, key: str, ip: str, now: datetime | None = None) -> int:
    """Seconds this address must wait before trying this account again (0: it may try now)."""
    now = now or utcnow()
    recent = select(LoginFailure.created).where(
        LoginFailure.ip == ip, LoginFailure.created > now - WINDOW
    )
    waits = [_account_wait(session, recent.where(LoginFailure.username == key), now)]
    if _busy(session, recent):
        last = session.scalar(select(func.max(recent.subquery().c.created)))
        waits.append(last + SPACING - now if last is not None else timedelta(0))
    longest = max(waits)
    return 0 if longest <= timedelta(0) else int(longest.total_seconds()) + 1


def _account_wait(session: Session, recent: Select, now: datetime) -> timedelta:
    count = session.scalar(select(func.count()).select_from(recent.subquery())) or 0
    if count < PER_ACCOUNT:
        return timedelta(0)
    # The limit lifts when all but PER_ACCOUNT-1 of the recent failures have aged out.
    oldest_kept = session.scalar(
        recent.order_by(LoginFailure.created.desc()).offset(PER_ACCOUNT - 1).limit(1)
    )
    return oldest_kept + WINDOW - now


def _busy(session: Session, recent: Select) -> bool:
    """Whether the address has failed often enough to be slowed down as a whole."""
    unknown = case((LoginFailure.username.startswith(UNKNOWN, autoescape=True), 1))
    rows = recent.add_columns(unknown.label("unknown")).subquery()
    total, unknowns = session.execute(
        select(func.count(), func.count(rows.c.unknown)).select_from(rows)
    ).one()
    return unknowns >= PER_ADDRESS_UNKNOWN or total >= PER_ADDRESS


def record_failure(session: Session, key: str, ip: str) -> None:
    now = utcnow()
    with write_transaction(session):
        session.execute(delete(LoginFailure).where(LoginFailure.created < now - KEEP))
        session.add(LoginFailure(username=key, ip=ip, created=now))


def clear(session: Session, key: str, ip: str) -> None:
    with write_transaction(session):
        session.execute(
            delete(LoginFailure).where(LoginFailure.username == key, LoginFailure.ip == ip)
        )
