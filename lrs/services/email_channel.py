"""Core's email channel: notifications mailed to their recipients through ``LRS_SMTP_*``.

Registered as the plugin ``email`` (:func:`register`) when ``LRS_SMTP_HOST``
is set, it implements ``notification_raised``, so the durable outbox calls it
after the commit of the transaction that raised the notification and retries
it with backoff when it raises: the caller of ``host.notify`` never waits for
the mail server. The recipients are the topic's subscribers (and those of
``*``) and the directory address of each person of the ``audience``
(:func:`lrs.store.notifications.recipients`).

The notifications of one outbox delivery batch go over one SMTP connection
(:func:`_flush`, deferred to the batch's end), each recipient getting a message
of their own. What was sent and refused is kept in the delivery's ``detail``,
so a retry after a failure part-way sends only to the rest. A server that
cannot be reached, or answers 4xx, is a transient failure: recorded
(``retry``), raised, tried again; after ``LRS_OUTBOX_MAX_ATTEMPTS`` it is
``failed`` and dead-lettered (``lrs outbox replay`` tries again, its attempts
counted afresh). A 5xx refusal of a recipient or of the message
is permanent for that recipient: recorded, not retried. The password is never
part of a message or an error.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from lrs.plugin._deadline import Deadline, track_socket
from lrs.plugin.hookspecs import hookimpl
from lrs.store import notifications as store

if TYPE_CHECKING:
    from lrs.machinery.manager import PluginManager
    from lrs.plugin.events import NotificationRaised
    from lrs.plugin.host import Host
    from lrs.settings import Settings

#: The plugin's name, and the channel of its deliveries.
CHANNEL = plugin_name = "email"


class EmailError(Exception):
    """Mail could not be handed to the server now (unreachable, 4xx, TLS, login)."""


@dataclass
class Outcome:
    """Who a message went to, and who the server refused for good (``address: reply``)."""

    sent: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    def detail(self) -> str:
        return json.dumps({"sent": self.sent, "refused": self.refused})

    @classmethod
    def of(cls, detail: str | None) -> Outcome:
        data: dict[str, Any] = json.loads(detail) if detail else {}
        return cls(list(data.get("sent", [])), dict(data.get("refused", {})))


def register(manager: PluginManager, settings: Settings) -> None:
    """Add the channel to ``manager`` when email is configured (and ``email`` is not in
    ``LRS_DISABLED_PLUGINS``): without it, nothing is owed to a channel that cannot send."""
    if settings.smtp_host and not manager.has_plugin(CHANNEL):
        manager.register_objects([sys.modules[__name__]])


@dataclass
class _Mail:
    """One notification to mail: who is left to send it to, and how it went so far."""

    event: NotificationRaised
    message: EmailMessage
    pending: list[str]
    outcome: Outcome
    attempts: int


#: The notifications of the delivery batch in progress, per thread (see :func:`_flush`).
_local = threading.local()


@hookimpl
def notification_raised(host: Host, event: NotificationRaised) -> None:
    """Buffer the notification: the batch's mail is sent once every event is in."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = []
    pending.append((host, event))
    host.defer(_flush)


def _flush() -> None:
    """Mail the delivery batch's notifications over one connection per application.

    A connection per batch rather than per notification: an unreachable server
    then costs one timeout, not one per notification. Each notification's
    outcome is recorded; if any is to be retried this raises, and the outbox
    redelivers the batch's events, of which those already sent are skipped.
    """
    pending, _local.pending = getattr(_local, "pending", None) or [], None
    by_host: dict[Host, list[NotificationRaised]] = {}
    for host, event in pending:
        by_host.setdefault(host, []).append(event)
    failures = [
        failure
        for host, events in by_host.items()
        if (failure := _deliver(host, events)) is not None
    ]
    if failures:
        raise failures[0]


def _deliver(host: Host, events: list[NotificationRaised]) -> EmailError | None:
    """Mail ``events``; the first error of those to be retried, else ``None``."""
    settings = host.settings
    mails: list[_Mail] = []
    unheard: list[NotificationRaised] = []
    with host.read() as session:
        for event in events:
            prior = store.delivery(session, event.notification_id, CHANNEL)
            if prior is not None and prior.state in ("sent", "skipped"):
                continue  # the event came again (at least once): already done
            recipients = store.recipients(session, event.tenant_id, event.topic, event.audience)
            if not recipients:
                unheard.append(event)
                continue
            outcome = Outcome.of(prior.detail if prior is not None else None)
            message = compose(
                settings,
                subject=event.subject,
                text=event.text,
                topic=event.topic,
                uid=event.uid,
                raised_us=event.raised_us,
            )
            left = [a for a in recipients if a not in outcome.sent and a not in outcome.refused]
            if not left:
                continue  # refused for good by everyone not served: nothing to retry
            # A failed one comes again only from ``lrs outbox replay``: attempts start over.
            before = prior.attempts if prior is not None and prior.state != "failed" else 0
            mails.append(_Mail(event, message, left, outcome, before + 1))
    for event in unheard:
        _record(host, event, "skipped", error="no subscribers of this topic, no audience")
    if not mails:
        return None
    first: EmailError | None = None
    done = 0
    session = _Session(settings, sum(len(mail.pending) for mail in mails))
    try:
        with session, _connect(settings) as smtp:
            for mail in mails:
                try:
                    _send_each(smtp, mail.message, mail.pending, mail.outcome, _where(settings))
                except EmailError as exc:  # a 4xx for this one: the others may go through
                    _failed(host, mail, exc)
                    first = first or exc
                else:
                    _sent(host, mail)
                done += 1
    except (smtplib.SMTPException, OSError) as exc:
        error = session.error(exc)
        for mail in mails[done:]:
            _failed(host, mail, error)
        return first or error
    return first


def _sent(host: Host, mail: _Mail) -> None:
    """Every recipient took it, or refused it for good (``failed``, with their answers)."""
    refused = "; ".join(f"{address}: {reply}" for address, reply in mail.outcome.refused.items())
    _record(
        host,
        mail.event,
        "failed" if refused else "sent",
        error=f"refused by the server: {refused}" if refused else None,
        detail=mail.outcome.detail(),
        attempts=mail.attempts,
    )


def _failed(host: Host, mail: _Mail, error: EmailError) -> None:
    """To be retried, or ``failed`` once the outbox gives up (its last attempt)."""
    final = mail.attempts >= host.settings.outbox_max_attempts
    _record(
        host,
        mail.event,
        "failed" if final else "retry",
        error=str(error),
        detail=mail.outcome.detail(),
        attempts=mail.attempts,
    )


def _record(host: Host, event: NotificationRaised, state: str, **values: Any) -> None:
    with host.write() as session:
        store.record_delivery(
            session,
            event.notification_id,
            CHANNEL,
            state=state,
            now_us=time.time_ns() // 1000,
            **values,
        )


def compose(
    settings: Settings, *, subject: str, text: str, topic: str, uid: str, raised_us: int
) -> EmailMessage:
    """The message (without ``To``): plain text, its ``Message-ID`` made of ``uid``
    so that a resent copy is recognisably the same."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["Subject"] = subject
    message["Date"] = formatdate(raised_us / 1_000_000, usegmt=True)
    message["Message-ID"] = f"<{uid}@{settings.smtp_from.rpartition('@')[2]}>"
    message["X-Weft-Topic"] = topic
    message.set_content(f"{text}\n\n-- \nWeft notification ({topic})\n")
    return message


def send(
    settings: Settings, message: EmailMessage, recipients: Iterable[str], outcome: Outcome
) -> None:
    """Send ``message`` to each of ``recipients`` on its own, over one connection,
    adding to ``outcome`` as it goes (``lrs notifications send-test``).

    :raises EmailError: the server could not be reached or answered 4xx; those
        sent before stay in ``outcome``.
    """
    recipients = list(recipients)
    session = _Session(settings, len(recipients))
    try:
        with session, _connect(settings) as smtp:
            _send_each(smtp, message, recipients, outcome, _where(settings))
    except (smtplib.SMTPException, OSError) as exc:
        raise session.error(exc) from None


def _send_each(
    smtp: smtplib.SMTP, message: EmailMessage, recipients: list[str], outcome: Outcome, where: str
) -> None:
    """One message per recipient; a refusal (4xx: :class:`EmailError`; 5xx: final, kept
    in ``outcome``) is the recipient's, anything else the connection's (raised as is)."""
    for address in recipients:
        del message["To"]
        message["To"] = address
        try:
            smtp.send_message(message, to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients[address]
            _refused(outcome, address, code, reply, where)
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            _refused(outcome, address, exc.smtp_code, exc.smtp_error, where)
        else:
            outcome.sent.append(address)


def _where(settings: Settings) -> str:
    return f"SMTP server {settings.smtp_host}:{settings.smtp_port}"


def _error(settings: Settings, exc: Exception) -> EmailError:
    """What went wrong with the connection, in words an operator acts on (no password)."""
    where = _where(settings)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return EmailError(
            f"{where} refused the login of LRS_SMTP_USERNAME "
            f"({exc.smtp_code} {_text(exc.smtp_error)})"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return EmailError(f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPException):
        return EmailError(f"{where} failed: {exc or type(exc).__name__}")
    return EmailError(f"{where} could not be reached: {exc or type(exc).__name__}")


def _refused(outcome: Outcome, address: str, code: int, reply: bytes | str, where: str) -> None:
    """A 5xx is that recipient's final answer; anything else is worth another try."""
    if 500 <= code < 600:
        outcome.refused[address] = f"{code} {_text(reply)}"
    else:
        raise EmailError(f"{where} answered {code} {_text(reply)} for {address}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class _Session(Deadline):
    """The deadline of one SMTP session: ``LRS_SMTP_TIMEOUT_SECONDS`` for connecting
    and signing in, that again for each message sent and for saying goodbye.

    ``smtplib``'s timeout bounds each wait for the server, not a command: a server
    sending a byte now and then (a tarpit, a stuck relay) held the session, and with
    it every post-commit hook of ``lrs worker``, for good.
    """

    def __init__(self, settings: Settings, messages: int) -> None:
        super().__init__(settings.smtp_timeout_seconds * (2 + messages))
        self._settings = settings

    def error(self, exc: Exception) -> EmailError:
        if self.expired:
            return EmailError(
                f"{_where(self._settings)} did not finish within {self.seconds:g} s "
                f"(LRS_SMTP_TIMEOUT_SECONDS={self._settings.smtp_timeout_seconds:g} for "
                "signing in, for each message and for QUIT)")
        return _error(self._settings, exc)


class _TrackedSocket:
    """Mixed into ``smtplib``'s clients: the session's :class:`_Session` shuts the
    connection's socket when its time is up, the TLS one after STARTTLS too."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        track_socket(sock)
        return sock

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        reply = super().starttls(*args, **kwargs)  # type: ignore[misc]
        track_socket(self.sock)  # type: ignore[attr-defined]
        return reply


class _SMTP(_TrackedSocket, smtplib.SMTP):
    pass


class _SMTPSSL(_TrackedSocket, smtplib.SMTP_SSL):
    pass


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection, secured and logged in as the settings say."""
    timeout = settings.smtp_timeout_seconds
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = _SMTPSSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
    else:
        smtp = _SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp
