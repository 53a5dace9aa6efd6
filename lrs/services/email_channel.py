"""Core's email channel: notifications mailed to their recipients through ``LRS_SMTP_*``.

Registered as the plugin ``email`` (:func:`register`) when ``LRS_SMTP_HOST``
is set, it implements ``notification_raised``, so the durable outbox calls it
after the commit of the transaction that raised the notification and retries
it with backoff when it raises: the caller of ``host.notify`` never waits for
the mail server. The recipients are the topic's subscribers (and those of
``*``) and the directory address of each person of the ``audience``
(:func:`lrs.store.notifications.recipients`).

Each recipient gets a message of their own over one SMTP connection. What was
sent and refused is kept in the delivery's ``detail``, so a retry after a
failure part-way sends only to the rest. A server that cannot be reached, or
answers 4xx, is a transient failure: recorded (``retry``), raised, tried again;
after ``LRS_OUTBOX_MAX_ATTEMPTS`` it is ``failed`` and dead-lettered (``lrs
outbox replay`` tries again). A 5xx refusal of a recipient or of the message
is permanent for that recipient: recorded, not retried. The password is never
part of a message or an error.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

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


@hookimpl
def notification_raised(host: Host, event: NotificationRaised) -> None:
    with host.read() as session:
        prior = store.delivery(session, event.notification_id, CHANNEL)
        recipients = store.recipients(session, event.tenant_id, event.topic, event.audience)
    if prior is not None and prior.state in ("sent", "skipped"):
        return  # the event came again (at least once): already done
    outcome = Outcome.of(prior.detail if prior is not None else None)
    pending = [a for a in recipients if a not in outcome.sent and a not in outcome.refused]
    if not recipients:
        _record(host, event, "skipped", error="no subscribers of this topic, no audience")
        return
    message = compose(
        host.settings,
        subject=event.subject,
        text=event.text,
        topic=event.topic,
        uid=event.uid,
        raised_us=event.raised_us,
    )
    attempts = (prior.attempts if prior is not None else 0) + 1
    try:
        send(host.settings, message, pending, outcome)
    except EmailError as exc:
        final = attempts >= host.settings.outbox_max_attempts
        _record(
            host,
            event,
            "failed" if final else "retry",
            error=str(exc),
            detail=outcome.detail(),
            attempted=True,
        )
        raise
    refused = "; ".join(f"{address}: {reply}" for address, reply in outcome.refused.items())
    _record(
        host,
        event,
        "failed" if refused else "sent",
        error=f"refused by the server: {refused}" if refused else None,
        detail=outcome.detail(),
        attempted=True,
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
    adding to ``outcome`` as it goes.

    :raises EmailError: the server could not be reached or answered 4xx; those
        sent before stay in ``outcome``.
    """
    recipients = list(recipients)
    if not recipients:
        return
    where = f"SMTP server {settings.smtp_host}:{settings.smtp_port}"
    try:
        with _connect(settings) as smtp:
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
    except smtplib.SMTPAuthenticationError as exc:
        raise EmailError(
            f"{where} refused the login of LRS_SMTP_USERNAME "
            f"({exc.smtp_code} {_text(exc.smtp_error)})"
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise EmailError(f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPException as exc:
        raise EmailError(f"{where} failed: {exc or type(exc).__name__}") from None
    except OSError as exc:
        raise EmailError(f"{where} could not be reached: {exc or type(exc).__name__}") from None


def _refused(outcome: Outcome, address: str, code: int, reply: bytes | str, where: str) -> None:
    """A 5xx is that recipient's final answer; anything else is worth another try."""
    if 500 <= code < 600:
        outcome.refused[address] = f"{code} {_text(reply)}"
    else:
        raise EmailError(f"{where} answered {code} {_text(reply)} for {address}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection, secured and logged in as the settings say."""
    timeout = settings.smtp_timeout_seconds
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp
