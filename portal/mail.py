"""Sending the portal's mail (account confirmation, password reset) through SMTP.

PORTAL_SMTP_URL names the server: smtp://[user:password@]host[:port][?starttls=1] (port 25 by
default), or smtps://... for TLS from the first byte (port 465). Mail is only ever sent after
the transaction that asked for it has committed (`send_after_commit`): a rolled-back
registration sends nothing, and a slow mail server never holds a database write open.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from portal.actions import Context
    from portal.config import Settings

log = logging.getLogger(__name__)
TIMEOUT = 20


class MailNotConfigured(RuntimeError):
    """No PORTAL_SMTP_URL: the feature that needs mail is not offered."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_url)


def build_message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(body)  # UTF-8, so Chinese subjects and bodies arrive intact
    return message


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message now (raises on an SMTP or network failure)."""
    if not mail_configured(settings):
        raise MailNotConfigured("PORTAL_SMTP_URL is not set")
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise MailNotConfigured("PORTAL_SMTP_URL must start with smtp:// or smtps://")
    options = parse_qs(url.query)
    host = url.hostname or "localhost"
    message = build_message(settings, to, subject, body)
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, url.port or 465, timeout=TIMEOUT)
    else:
        client = smtplib.SMTP(host, url.port or 25, timeout=TIMEOUT)
    with client:
        if url.scheme == "smtp" and options.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def address_digest(address: str) -> str:
    """A short digest that tells two failing recipients apart without naming them."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:12]


def send_after_commit(context: Context, to: str, subject: str, body: str) -> None:
    """Queue a message to go out once the context's transaction commits. A failure is logged,
    not raised: the write it belongs to has already succeeded, and the visitor can ask again."""
    settings = context.settings

    def deliver() -> None:
        try:
            send(settings, to, subject, body)
        except (OSError, smtplib.SMTPException, MailNotConfigured):
            # Never the address itself: logs are kept longer and read by more people.
            log.exception("could not send mail %r (recipient %s)", subject, address_digest(to))

    context.after_commit.append(deliver)
