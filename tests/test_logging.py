"""Structured logs: JSON lines, request ids, one access line per request, no secrets."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import pytest

from lrs.app import create_app
from lrs.logging import JsonFormatter, RedactingFilter, TextFormatter
from lrs.masking import redact
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("Authorization: Basic a2V5OnNlY3JldA==", "a2V5OnNlY3JldA=="),
        ("bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl", "eyJhbGciOi"),
        ("connect postgresql+psycopg://weft:hunter2@db/weft failed", "hunter2"),
        ("password=hunter2&user=ada", "hunter2"),
        ('{"secret": "s3cr3t-value", "key": "k"}', "s3cr3t-value"),
        ("LRS_SECRET_KEY=abcdef0123456789", "abcdef0123456789"),
        # Any case, every secret word: what is screened out first must not hide them.
        ("AUTHORIZATION: BEARER key:secret1", "secret1"),
        ("Private_Key: abc123", "abc123"),
        ("X-Api-Token: tok123", "tok123"),
        ("ApiKey=k9k9k9", "k9k9k9"),
        ("PassWd: pw77", "pw77"),
        ("REDIS://:pw9@host", "pw9"),
    ],
)
def test_redact_masks_what_looks_like_a_secret(text: str, leaked: str) -> None:
    assert leaked not in redact(text)
    assert "***" in redact(text)


def test_redact_keeps_ordinary_text() -> None:
    text = "GET /xapi/statements 200 in 3 ms"
    assert redact(text) == text


def test_json_formatter_writes_one_object_with_request_fields() -> None:
    record = logging.LogRecord("lrs.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.request_id, record.status = "abc", 200
    RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "GET /x"
    assert (entry["level"], entry["logger"], entry["request_id"], entry["status"]) == (
        "INFO", "lrs.access", "abc", 200,
    )
    assert entry["ts"].endswith("Z")


def test_formatters_print_the_fields_a_caller_added_and_mask_their_secrets() -> None:
    """A connector run's failure names the connector, tenant and error (``extra=``)."""
    logger = logging.getLogger("lrs.connectors")
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, "connector run failed", (), None,
        extra={"connector": "moodle", "tenant_id": 3, "nothing": None,
               "error": "HTTPError: 401 for https://lms:hunter2@moodle.example/api",
               "msg_id": "x"})
    RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["msg"], entry["connector"], entry["tenant_id"], entry["msg_id"]) == (
        "connector run failed", "moodle", 3, "x")
    assert "nothing" not in entry
    assert entry["error"].startswith("HTTPError: 401 for https://")
    assert "hunter2" not in entry["error"]
    text = TextFormatter().format(record)
    assert text.endswith("connector run failed [connector=moodle tenant_id=3 "
                         f"error={entry['error']} msg_id=x]")


def test_a_field_never_replaces_what_every_line_has() -> None:
    record = logging.getLogger("lrs").makeRecord(
        "lrs", logging.INFO, __file__, 1, "hello", (), None,
        extra={"level": "forged", "ts": "forged", "logger": "forged"})
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"]) == ("INFO", "lrs")
    assert entry["ts"].endswith("Z")


def test_redacting_filter_masks_exception_text() -> None:
    try:
        raise RuntimeError("could not connect to postgresql://weft:hunter2@db/weft")
    except RuntimeError:
        record = logging.LogRecord("lrs", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactingFilter().filter(record)
    assert "hunter2" not in JsonFormatter().format(record)


def test_response_echoes_the_request_id_sent(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/xapi/about", headers={"X-Request-Id": "lb-42.a"})
    assert response.headers["X-Request-Id"] == "lb-42.a"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 129])
def test_response_gets_a_generated_request_id_otherwise(client, sent) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-Request-Id": sent} if sent else {}
    request_id = client.get("/xapi/about", headers=headers).headers["X-Request-Id"]
    assert request_id != sent
    assert len(request_id) == 32 and int(request_id, 16) >= 0


def test_access_log_line_has_request_fields_and_no_secret(
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lrs.store.credentials import create_credential

    app = create_app(make_settings(log_format="json"))
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        credential: IssuedCredential = create_credential(
            session, runtime.settings.secret_key, name="logger", scopes=["all"]
        )
    capsys.readouterr()
    app.test_client().get(
        "/xapi/statements",
        headers={"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0",
                 "X-Request-Id": "req-1"},
    )
    err = capsys.readouterr().err
    app.extensions["lrs"].db.engine.dispose()
    entries = [json.loads(line) for line in err.splitlines()]
    access = [e for e in entries if e["logger"] == "lrs.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "req-1"
    assert (access[0]["method"], access[0]["path"], access[0]["status"]) == (
        "GET", "/xapi/statements", 200,
    )
    assert access[0]["credential"] == credential.key
    assert access[0]["duration_ms"] >= 0
    assert credential.secret not in err
    assert basic_auth(credential).split()[1] not in err


def test_access_log_names_no_credential_when_authentication_fails(
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = create_app(make_settings(log_format="json"))
    app.test_client().get(
        "/xapi/statements",
        headers={"Authorization": "Basic bm9ib2R5Om5vdGhpbmc=",
                 "X-Experience-API-Version": "2.0.0"},
    )
    app.extensions["lrs"].db.engine.dispose()
    [access] = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                if '"lrs.access"' in line]
    assert access["status"] == 401
    assert "credential" not in access
