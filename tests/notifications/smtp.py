"""A real SMTP server on 127.0.0.1 (aiosmtpd), told how to answer: the tests' mail server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    """What the server received, and the answers it is told to give."""

    port: int = field(default_factory=free_port)
    #: Messages accepted: ``(recipients, parsed message)``.
    received: list[tuple[list[str], Message]] = field(default_factory=list)
    #: ``RCPT TO`` answers by address (``"550 5.1.1 no such mailbox"``).
    rcpt_answers: dict[str, str] = field(default_factory=dict)
    #: The answer to ``DATA``, when not ``250``.
    data_answer: str | None = None
    #: ``(username, password)`` the server accepts; ``None``: no login offered.
    login: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)
    #: How many SMTP sessions greeted the server (one per connection).
    greetings: int = 0
    _controller: Controller | None = None

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.login is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list[Message]:
        return [message for rcpt, message in self.received if address in rcpt]

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append(data.login.decode())
            if (data.login.decode(), data.password.decode()) == self.login:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        answer = self.rcpt_answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer:
            return self.data_answer
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()
