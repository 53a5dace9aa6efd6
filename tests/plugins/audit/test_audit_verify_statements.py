"""Verification covers the stored statements: edited, deleted and unrecorded ones are named."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from lrs.plugin.testing import deliver
from tests.plugins.audit.conftest import post
from tests.plugins.conftest import runtime, statement


def _sql(app: Flask, sql: str, **params: object) -> None:
    with runtime(app).db.engine.begin() as connection:
        connection.execute(text(sql), params)


def _verify_http(client: FlaskClient, auth: dict[str, str]) -> dict:
    response = client.get("/audit/verify", headers=auth)
    body = response.get_json()
    assert response.status_code == (200 if body["ok"] else 409)
    return body


def _verify_cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    from lrs.cli import cli

    settings = runtime(app).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("LRS_AUTO_MIGRATE", "false")
    result = CliRunner().invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output


@pytest.fixture
def stored(audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str]) -> list[str]:
    """Three statements, recorded as entries 2 to 4 (after the configuration record)."""
    statements = [statement() for _ in range(3)]
    post(audit_client, auth, statements)
    deliver(audit_app)
    return [s["id"] for s in statements]


def test_audit_verify_names_a_statement_edited_in_the_statements_table(
    audit_app: Flask,
    audit_client: FlaskClient,
    auth: dict[str, str],
    stored: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _verify_http(audit_client, auth)["ok"]
    _sql(
        audit_app,
        "UPDATE statements SET payload = replace(payload, 'learner', 'someone') "
        "WHERE statement_id = :id",
        id=stored[1],
    )
    body = _verify_http(audit_client, auth)
    assert not body["ok"] and body["first_broken_entry"] == 3
    assert body["problems"] == [
        {
            "seq": 3,
            "statement": stored[1],
            "message": (
                f"statement {stored[1]} was changed in the statements table: it no longer has "
                "the SHA-256 recorded in entry 3"
            ),
        }
    ]
    code, output = _verify_cli(audit_app, monkeypatch)
    assert code == 1 and stored[1] in output and "changed" in output


def test_audit_verify_names_a_statement_deleted_from_the_statements_table(
    audit_app: Flask,
    audit_client: FlaskClient,
    auth: dict[str, str],
    stored: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _sql(
        audit_app,
        "DELETE FROM statement_agents WHERE statement_pk IN "
        "(SELECT pk FROM statements WHERE statement_id = :id)",
        id=stored[2],
    )
    _sql(
        audit_app,
        "DELETE FROM statement_activities WHERE statement_pk IN "
        "(SELECT pk FROM statements WHERE statement_id = :id)",
        id=stored[2],
    )
    _sql(audit_app, "DELETE FROM statements WHERE statement_id = :id", id=stored[2])
    body = _verify_http(audit_client, auth)
    assert not body["ok"] and body["first_broken_entry"] == 4
    assert [p.get("statement") for p in body["problems"]] == [stored[2]]
    assert "no longer stored" in body["message"]
    code, output = _verify_cli(audit_app, monkeypatch)
    assert code == 1 and stored[2] in output and "deleted" in output


def test_audit_verify_is_not_intact_when_a_statements_delivery_failed(
    audit_app: Flask,
    audit_client: FlaskClient,
    auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stored text the trail cannot decode (a NaN, which ingest once let through)."""
    bad = statement()
    post(audit_client, auth, [bad])
    _sql(
        audit_app,
        "UPDATE statements SET payload = replace(payload, :verb, :nan) WHERE statement_id = :id",
        verb='"verb"',
        nan='"result":{"score":{"raw":NaN}},"verb"',
        id=bad["id"],
    )
    deliver(audit_app)  # the audit plugin fails on it (logged, retried later)
    body = _verify_http(audit_client, auth)
    assert not body["ok"], body
    assert [p.get("statement") for p in body["problems"]] == [bad["id"]]
    assert "has no audit entry" in body["message"]
    code, output = _verify_cli(audit_app, monkeypatch)
    assert code == 1 and bad["id"] in output and "intact" not in output.lower()
