"""Email: notifications reach a real SMTP server on 127.0.0.1, retried when it fails."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lrs.machinery.outbox import now_us
from lrs.models import OutboxDelivery
from lrs.services import notifications
from lrs.store.notifications import recent
from tests.notifications.conftest import deliver, notify
from tests.notifications.smtp import MailServer, certificate, free_port, mail_server

assert mail_server  # a fixture, used by name
HOUR_US = 3600 * 1_000_000


def email_app(make_web_app: Callable[..., Flask], port: int, **overrides: Any) -> Flask:
    values = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "smtp_from": "weft@example.com",
        "smtp_timeout_seconds": 5,
        "outbox_max_attempts": 3,
    }
    return make_web_app(**{**values, **overrides})


def subscribe(app: Flask, topic: str, email: str) -> None:
    runtime = app.extensions["lrs"]
    notifications.subscribe(runtime, tenant_id=1, topic=topic, email=email, actor="cli:test")


def delivery(app: Flask) -> Any:
    """The latest notification's email delivery."""
    with app.extensions["lrs"].db.read() as session:
        [(_, deliveries)] = recent(session, 1, limit=1)
    return next(d for d in deliveries if d.channel == "email")


def test_subscribers_and_the_audience_each_get_the_message(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    app = email_app(make_web_app, mail_server.port)
    subscribe(app, "kpi.status_changed", "Ops@Example.com")
    subscribe(app, "*", "all@example.com")
    subscribe(app, "kpi.learner_at_risk", "other@example.com")
    with app.app_context():
        app.extensions["lrs"].host.import_people(
            1,
            [{"employee_id": "M1", "display_name": "Mia", "email": "mia@example.com"}],
            actor="cli:test",
        )
    notify(app, subject="Completion rate is at risk", audience=["M1", "nobody"])
    assert mail_server.received == []  # nothing is sent in the caller's transaction
    deliver(app)
    assert sorted(rcpt for rcpt, _ in mail_server.received) == [
        ["all@example.com"],
        ["mia@example.com"],
        ["ops@example.com"],
    ]
    message = mail_server.messages_to("ops@example.com")[0]
    assert message["To"] == "ops@example.com" and message["From"] == "weft@example.com"
    assert message["Subject"] == "Completion rate is at risk"
    assert message["X-Weft-Topic"] == "kpi.status_changed"
    assert "72% against a target of 80%" in message.get_payload()
    found = delivery(app)
    assert (found.state, found.attempts, found.last_error) == ("sent", 1, None)
    deliver(app)  # nothing is owed any more: no second copy
    assert len(mail_server.received) == 3


def test_a_batch_of_notifications_shares_one_connection_and_a_4xx_spares_the_others(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    mail_server.rcpt_answers["busy@example.com"] = "452 4.2.2 mailbox full, try later"
    app = email_app(make_web_app, mail_server.port)
    subscribe(app, "kpi.status_changed", "ops@example.com")
    subscribe(app, "kpi.learner_at_risk", "busy@example.com")
    for number in range(3):
        notify(app, subject=f"KPI {number} changed")
    notify(app, topic="kpi.learner_at_risk", subject="Ada is at risk")
    deliver(app)
    assert mail_server.greetings == 1
    assert sorted(m["Subject"] for _, m in mail_server.received) == [
        "KPI 0 changed",
        "KPI 1 changed",
        "KPI 2 changed",
    ]
    with app.extensions["lrs"].db.read() as session:
        states = {
            row.subject: [(d.state, d.attempts) for d in found]
            for row, found in recent(session, 1, limit=10)
        }
    assert states == {
        "KPI 0 changed": [("sent", 1)],
        "KPI 1 changed": [("sent", 1)],
        "KPI 2 changed": [("sent", 1)],
        "Ada is at risk": [("retry", 1)],
    }
    del mail_server.rcpt_answers["busy@example.com"]
    app.extensions["lrs"].outbox.process_pending(now=now_us() + HOUR_US)
    assert mail_server.messages_to("busy@example.com")[0]["Subject"] == "Ada is at risk"
    assert len(mail_server.received) == 4  # the batch's others were not sent again


def test_a_server_that_is_down_is_retried_until_it_answers(
    make_web_app: Callable[..., Flask],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = MailServer(port=free_port())
    app = email_app(make_web_app, server.port)
    subscribe(app, "kpi.status_changed", "ops@example.com")
    notify(app)
    with caplog.at_level(logging.ERROR):
        deliver(app)
    found = delivery(app)
    assert found.state == "retry" and found.attempts == 1
    assert f"SMTP server 127.0.0.1:{server.port} could not be reached" in found.last_error
    server.start()
    try:
        outbox = app.extensions["lrs"].outbox
        assert outbox.process_pending(now=now_us()) == 0  # backing off
        assert outbox.process_pending(now=now_us() + HOUR_US) == 1
        assert [rcpt for rcpt, _ in server.received] == [["ops@example.com"]]
    finally:
        server.stop()
    found = delivery(app)
    assert (found.state, found.attempts, found.last_error) == ("sent", 2, None)


@contextmanager
def dripping_smtp_server(pause: float) -> Iterator[int]:
    """A server on 127.0.0.1 that greets one byte every ``pause`` seconds (a tarpit):
    each byte comes well within any per-read timeout; its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def drip(connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):  # the client gave up
            for byte in b"220 " + b"x" * 500 + b" ESMTP\r\n":
                if stop.wait(pause):
                    return
                connection.sendall(bytes([byte]))

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection, _ = listener.accept()
                threading.Thread(target=drip, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_server_dripping_its_answers_fails_the_attempt_at_the_sessions_deadline(
    make_web_app: Callable[..., Flask],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """smtplib's timeout bounds each read: a byte every half second held the outbox's
    delivery, and every post-commit hook behind it, for good."""
    with dripping_smtp_server(pause=0.5) as port:
        app = email_app(make_web_app, port, smtp_timeout_seconds=1)
        subscribe(app, "kpi.status_changed", "ops@example.com")
        notify(app)
        started = time.monotonic()
        with caplog.at_level(logging.ERROR):
            deliver(app)
        took = time.monotonic() - started
    found = delivery(app)
    assert found.state == "retry" and found.attempts == 1
    assert found.last_error == (
        f"SMTP server 127.0.0.1:{port} did not finish within 3 s (LRS_SMTP_TIMEOUT_SECONDS=1 "
        "for signing in, for each message and for QUIT)")
    assert took < 10, took


def test_a_4xx_answer_is_retried_and_gives_up_after_the_last_attempt(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    mail_server.data_answer = "451 4.3.0 try again later"
    app = email_app(make_web_app, mail_server.port)
    subscribe(app, "kpi.status_changed", "ops@example.com")
    notify(app)
    outbox = app.extensions["lrs"].outbox
    for attempt in range(3):
        outbox.process_pending(now=now_us() + attempt * 10 * HOUR_US)
    found = delivery(app)
    assert (found.state, found.attempts) == ("failed", 3)
    assert "answered 451 4.3.0 try again later" in found.last_error
    with app.extensions["lrs"].db.read() as session:
        dead = session.scalars(
            select(OutboxDelivery.state).where(OutboxDelivery.plugin == "email")
        ).all()
    assert dead == ["dead"]  # until `lrs outbox replay`, which starts the attempts over
    mail_server.data_answer = None
    assert outbox.replay(actor="cli:test") == 1
    outbox.process_pending(now=now_us() + 100 * HOUR_US)
    found = delivery(app)
    assert (found.state, found.attempts, found.last_error) == ("sent", 1, None)
    assert [rcpt for rcpt, _ in mail_server.received] == [["ops@example.com"]]


def test_a_5xx_refusal_of_one_recipient_is_final_and_the_others_get_it(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    mail_server.rcpt_answers["gone@example.com"] = "550 5.1.1 no such mailbox"
    app = email_app(make_web_app, mail_server.port)
    subscribe(app, "kpi.status_changed", "gone@example.com")
    subscribe(app, "kpi.status_changed", "ops@example.com")
    notify(app)
    deliver(app)
    assert [rcpt for rcpt, _ in mail_server.received] == [["ops@example.com"]]
    found = delivery(app)
    assert found.state == "failed" and found.attempts == 1
    assert found.last_error == (
        "refused by the server: gone@example.com: 550 5.1.1 no such mailbox"
    )
    assert app.extensions["lrs"].outbox.process_pending(now=now_us() + HOUR_US) == 0


def test_the_login_is_used_and_the_password_never_shows(
    make_web_app: Callable[..., Flask],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = MailServer(login=("weft", "s3cret-smtp-pass"))
    server.start()
    try:
        app = email_app(
            make_web_app, server.port, smtp_username="weft", smtp_password="wrong-smtp-pass"
        )
        subscribe(app, "kpi.status_changed", "ops@example.com")
        notify(app)
        with caplog.at_level(logging.DEBUG):
            deliver(app)
        found = delivery(app)
        assert found.state == "retry" and "refused the login" in found.last_error
        assert "wrong-smtp-pass" not in caplog.text + found.last_error
        assert "wrong-smtp-pass" not in repr(app.extensions["lrs"].settings)
        good = email_app(
            make_web_app, server.port, smtp_username="weft", smtp_password="s3cret-smtp-pass"
        )
        good.extensions["lrs"].outbox.process_pending(now=now_us() + HOUR_US)
        assert set(server.logins) == {"weft"}
        assert [rcpt for rcpt, _ in server.received] == [["ops@example.com"]]
    finally:
        server.stop()


def test_without_subscribers_nothing_is_sent_and_the_page_says_so(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    app = email_app(make_web_app, mail_server.port)
    notify(app)
    deliver(app)
    found = delivery(app)
    assert found.state == "skipped" and "no subscribers" in found.last_error
    assert mail_server.received == []


def test_starttls_is_required_and_the_certificate_verified(
    make_web_app: Callable[..., Flask],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert_file, context = certificate(tmp_path)
    server = MailServer(tls=context)
    server.start()
    try:
        app = email_app(make_web_app, server.port, smtp_tls="starttls")
        subscribe(app, "kpi.status_changed", "ops@example.com")
        notify(app)
        deliver(app)  # a certificate nobody vouches for: refused, nothing sent in clear
        found = delivery(app)
        assert found.state == "retry" and "CERTIFICATE_VERIFY_FAILED" in found.last_error
        assert server.received == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # now the system trusts it
        app.extensions["lrs"].outbox.process_pending(now=now_us() + HOUR_US)
        assert [rcpt for rcpt, _ in server.received] == [["ops@example.com"]]
        assert server.encrypted == [True]
    finally:
        server.stop()


def test_a_server_without_starttls_is_not_written_to_in_clear(
    make_web_app: Callable[..., Flask],
    mail_server: MailServer,
) -> None:
    app = email_app(make_web_app, mail_server.port, smtp_tls="starttls")
    subscribe(app, "kpi.status_changed", "ops@example.com")
    notify(app)
    deliver(app)
    found = delivery(app)
    assert found.state == "retry" and "STARTTLS extension not supported" in found.last_error
    assert mail_server.received == []
