"""``lrs notifications``: subscriptions and a test message, through the command line."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from lrs.settings import Settings, SettingsError
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.notifications.smtp import MailServer, free_port, mail_server

assert mail_server  # a fixture, used by name


@pytest.fixture
def lrs(database_url: str) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test database; ``smtp=port`` turns email on."""

    def run(*args: str, smtp: int | None = None) -> Result:
        env = {
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS,
        }
        if smtp is not None:
            env |= {
                "LRS_SMTP_HOST": "127.0.0.1",
                "LRS_SMTP_PORT": str(smtp),
                "LRS_SMTP_TLS": "none",
                "LRS_SMTP_FROM": "weft@example.com",
                "LRS_SMTP_TIMEOUT_SECONDS": "5",
            }
        return CliRunner(env=env).invoke(cli, ["--database", database_url, *args])

    return run


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_subscribe_list_and_unsubscribe(lrs: Callable[..., Result]) -> None:
    assert "Nobody is subscribed" in ok(lrs("notifications", "list"))
    assert ok(lrs("notifications", "subscribe", "kpi.status_changed", "Ops@Example.com")) == (
        "Subscribed ops@example.com to kpi.status_changed.\n"
    )
    assert "already subscribed" in ok(
        lrs("notifications", "subscribe", "kpi.status_changed", "ops@example.com")
    )
    ok(lrs("notifications", "subscribe", "*", "audit@example.com"))
    listed = json.loads(ok(lrs("notifications", "list", "--json")))
    assert [(s["topic"], s["email"]) for s in listed] == [
        ("*", "audit@example.com"),
        ("kpi.status_changed", "ops@example.com"),
    ]
    assert listed[0]["by"].startswith("cli:")
    table = ok(lrs("notifications", "list"))
    assert table.splitlines()[0].split() == ["TOPIC", "EMAIL", "SINCE", "BY"]
    assert "Unsubscribed" in ok(lrs("notifications", "unsubscribe", "*", "audit@example.com"))
    gone = lrs("notifications", "unsubscribe", "*", "audit@example.com")
    assert gone.exit_code == 1
    assert gone.output.strip().splitlines()[-1] == (
        "Error: audit@example.com is not subscribed to *"
    )


def test_malformed_topics_and_addresses_get_one_line_each(lrs: Callable[..., Result]) -> None:
    result = lrs("notifications", "subscribe", "KPI status", "not-an-address")
    assert result.exit_code == 1
    assert "$.topic: 'KPI status' is not a topic" in result.output
    assert "$.email: 'not-an-address' is not an email address" in result.output
    assert "Traceback" not in result.output
    assert "Nobody is subscribed" in ok(lrs("notifications", "list"))


def test_send_test_reaches_the_server_or_says_why_not(
    lrs: Callable[..., Result],
    mail_server: MailServer,
) -> None:
    assert ok(lrs("notifications", "send-test", "ops@example.com", smtp=mail_server.port)) == (
        "Sent a test message to ops@example.com.\n"
    )
    [(rcpt, message)] = mail_server.received
    assert rcpt == ["ops@example.com"] and message["Subject"] == "Weft test notification"

    off = lrs("notifications", "send-test", "ops@example.com")
    assert off.exit_code == 1 and "email is off: set LRS_SMTP_HOST" in off.output
    down = lrs("notifications", "send-test", "ops@example.com", smtp=free_port())
    assert down.exit_code == 1 and "could not be reached" in down.output
    mail_server.rcpt_answers["ops@example.com"] = "550 5.1.1 no such mailbox"
    refused = lrs("notifications", "send-test", "ops@example.com", smtp=mail_server.port)
    assert refused.exit_code == 1
    assert "the server refused ops@example.com: 550 5.1.1 no such mailbox" in refused.output


def test_smtp_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {
            "LRS_SMTP_HOST": "mail.example.com",
            "LRS_SMTP_PORT": "465",
            "LRS_SMTP_TLS": "ssl",
            "LRS_SMTP_FROM": "weft@example.com",
            "LRS_SMTP_PASSWORD": "hunter22",
            "LRS_SMTP_TIMEOUT_SECONDS": "2.5",
        },
        secret_key="k" * 32,
    )
    assert (settings.smtp_port, settings.smtp_timeout_seconds) == (465, 2.5)
    assert "hunter22" not in repr(settings)
    for environ, message in [
        ({"LRS_SMTP_TLS": "maybe"}, "LRS_SMTP_TLS must be"),
        ({"LRS_SMTP_HOST": "mail.example.com"}, "LRS_SMTP_FROM must be"),
        ({"LRS_SMTP_TIMEOUT_SECONDS": "soon"}, "LRS_SMTP_TIMEOUT_SECONDS must be a number"),
        ({"LRS_SMTP_TIMEOUT_SECONDS": "0"}, "LRS_SMTP_TIMEOUT_SECONDS must be positive"),
    ]:
        with pytest.raises(SettingsError, match=message):
            Settings.from_env(environ, secret_key="k" * 32)
