"""A real SMTP server for the tests: aiosmtpd on a free loopback port.

`smtp_server` starts one per test and collects every message it accepts, parsed,
so that a test can read what the bridge sent exactly as a mail client would.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    """One message as the server took it: envelope and parsed content."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """Return the text of the `text/<subtype>` part."""
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            raise AssertionError(f"the message has no text/{subtype} part")
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


class _Collector:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_RCPT(
        self,
        _server: SMTP,
        _session: Session,
        envelope: Envelope,
        address: str,
        _options: list[str],
    ) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted"


@dataclass
class SMTPServer:
    """A running server: its URL for BRIDGE_SMTP_URL and what it received."""

    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[Received]:
        """Wait until `count` messages have arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} message(s) within {timeout} s, got {len(self.messages)}"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_smtp_server() -> Iterator[SMTPServer]:
    """Run an SMTP server on 127.0.0.1 that keeps every message, until the end."""
    server = SMTPServer(host="127.0.0.1", port=_free_port())
    controller = Controller(_Collector(server), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """An SMTP server for one test."""
    with running_smtp_server() as server:
        yield server
