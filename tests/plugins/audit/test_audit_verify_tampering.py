"""Verification finds the first broken entry, whatever someone with database access did."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from lrs.plugin.testing import deliver
from plugins.audit.chain import BODY_COLUMNS, body_of, entry_hash
from plugins.audit.trail import trail_for
from tests.plugins.audit.conftest import post
from tests.plugins.conftest import runtime, statement


@pytest.fixture
def chained(audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str]) -> Flask:
    """Six entries (the configuration record, five statements); automatic checkpoints
    every 4 (so one, at entry 4)."""
    post(audit_client, auth, [statement() for _ in range(5)])
    deliver(audit_app)
    return audit_app


def _sql(app: Flask, sql: str, **params: object) -> None:
    with runtime(app).db.engine.begin() as connection:
        connection.execute(text(sql), params)


def _first(app: Flask) -> tuple[int | None, str]:
    result = trail_for(runtime(app).host).verify()
    first = result.first
    return (first.seq, first.message) if first else (None, "ok")


def test_audit_verify_intact_chain_is_ok(chained: Flask) -> None:
    result = trail_for(runtime(chained).host).verify()
    assert result.ok and result.entries == 6 and result.checkpoints == 1


def test_audit_verify_detects_an_edited_entry(chained: Flask) -> None:
    _sql(chained, "UPDATE audit_entries SET actor = 'someone else' WHERE seq = 3")
    assert _first(chained) == (3, "entry 3 was altered: its content does not match its hash")


def test_audit_verify_detects_a_deleted_entry(chained: Flask) -> None:
    _sql(chained, "DELETE FROM audit_entries WHERE seq = 2")
    seq, message = _first(chained)
    assert seq == 2 and "missing" in message


def test_audit_verify_detects_reordered_entries(chained: Flask) -> None:
    _sql(chained, "UPDATE audit_entries SET seq = -1 WHERE seq = 2")
    _sql(chained, "UPDATE audit_entries SET seq = 2 WHERE seq = 3")
    _sql(chained, "UPDATE audit_entries SET seq = 3 WHERE seq = -1")
    seq, message = _first(chained)
    assert seq == 2 and "does not link" in message


def test_audit_verify_detects_a_truncated_tail(chained: Flask) -> None:
    _sql(chained, "DELETE FROM audit_entries WHERE seq > 4")
    seq, message = _first(chained)
    assert seq == 5 and "truncated" in message


def test_audit_verify_detects_a_recomputed_chain(chained: Flask) -> None:
    """Edit entry 2 and recompute every hash after it, as someone without the key would."""
    engine = runtime(chained).db.engine
    with engine.begin() as connection:
        rows = [dict(r._mapping) for r in connection.execute(
            text("SELECT * FROM audit_entries ORDER BY seq"))]
        rows[1]["actor"] = "forger"
        prev = "0" * 64
        for row in rows:
            row["prev_hash"], row["hash"] = prev, entry_hash(prev, body_of(row))
            prev = row["hash"]
            connection.execute(text("UPDATE audit_entries SET actor = :actor, prev_hash = :p, "
                                    "hash = :h WHERE seq = :seq"),
                               {"actor": row["actor"], "p": row["prev_hash"], "h": row["hash"],
                                "seq": row["seq"]})
        connection.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    trail = trail_for(runtime(chained).host)
    result = trail.verify()  # with the private key: the entries' MACs name entry 2
    messages = [p.message for p in result.problems]
    assert result.first is not None and result.first.seq == 2
    assert "entry 2 was altered and the chain re-hashed after it" in result.first.message
    assert any("does not match the signed checkpoint" in m for m in messages)
    assert any("head at entry 6 has an invalid signature" in m for m in messages)
    # an auditor with the public key only finds it at the next signed checkpoint
    public_only = trail.verify(trail.signer.public_pem()).first
    assert public_only is not None and public_only.seq == 4
    assert "does not match the signed checkpoint" in public_only.message


def test_audit_verify_detects_entries_stripped_of_their_mac(chained: Flask) -> None:
    """Dropping the MACs from entry 3 on (to hide a re-chain there) is itself reported."""
    _sql(chained, "UPDATE audit_entries SET mac = NULL WHERE seq >= 3")
    assert _first(chained) == (3, (
        "entry 3 was altered and the chain re-hashed after it: its MAC does not match"))


def test_audit_verify_detects_a_forged_checkpoint(chained: Flask) -> None:
    _sql(chained, "UPDATE audit_checkpoints SET signature = :s",
         s="A" * 86 + "==")
    seq, message = _first(chained)
    assert seq == 4 and "invalid signature" in message


def test_audit_verify_command_exits_1_naming_the_first_broken_entry(
    chained: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lrs.cli import cli

    settings = runtime(chained).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("LRS_AUTO_MIGRATE", "false")
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 6 entries, 1 signed checkpoints" in ok.output
    _sql(chained, "UPDATE audit_entries SET target = 'statement:x' WHERE seq = 5")
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "audit trail broken at entry 5" in broken.output


def test_audit_verify_with_another_public_key_fails(chained: Flask, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from plugins.audit.keys import public_pem

    other = public_pem(Ed25519PrivateKey.generate().public_key())
    result = trail_for(runtime(chained).host).verify(other)
    assert not result.ok and "invalid signature" in result.first.message


@pytest.mark.parametrize("pem", ["garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END "
                                 "PUBLIC KEY-----\n", "\u00e9"])
def test_audit_verify_with_a_file_that_is_no_public_key_says_so(
    chained: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pem: str,
) -> None:
    from lrs.cli import cli

    settings = runtime(chained).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("LRS_AUTO_MIGRATE", "false")
    key = tmp_path / "auditor.pem"
    key.write_text(pem)
    result = CliRunner().invoke(cli, ["audit", "verify", "--public-key", str(key)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: plugin 'audit': the public key is not a PEM public key (-----BEGIN "
        "PUBLIC KEY-----), "
        "as `lrs audit public-key` prints it")


@given(st.dictionaries(st.sampled_from(BODY_COLUMNS), st.none() | st.integers()
                       | st.text(st.characters(exclude_categories=["Cs"]))))
def test_entry_hash_is_the_documented_recipe_an_auditor_recomputes(body: dict) -> None:
    """docs/audit.md: sha256(prev_hash + JSON with sorted keys, no spaces, UTF-8 as is),
    spelled here with the standard library, whatever the strings hold."""
    prev = "ab" * 32
    spelled = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry_hash(prev, body) == hashlib.sha256((prev + spelled).encode()).hexdigest()
