"""A real SMTP server (aiosmtpd) on a free loopback port, keeping what it is sent, for the
tests of the portal's mail (registration, password reset)."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, count: int, deadline: float = 5.0) -> list[EmailMessage]:
        """The first `count` messages; mail is sent after the commit, so poll a moment."""
        end = time.monotonic() + deadline
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.01)
        assert len(self.messages) >= count, self.messages
        return self.messages[:count]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:  # noqa: ANN001
    """The app's PORTAL_SMTP_URL pointed at a fresh local server."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.extensions["portal.settings"]
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    settings.mail_from = "数据开放平台 <noreply@data.example.gov.cn>"
    settings.site_url = "https://data.example.gov.cn"
    yield handler
    controller.stop()
