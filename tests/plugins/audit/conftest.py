"""An application with the audit plugin loaded through its real entry point, on a fresh
database migrated with the audit branch, and an Ed25519 key of the test's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential


@pytest.fixture
def audit_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    monkeypatch.setenv("LRS_PLUGIN_AUDIT_KEY_FILE", str(path))
    monkeypatch.setenv("LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY", "4")
    return path


@pytest.fixture
def audit_app(audit_key: Path, lrs_make_app: Callable[..., Flask],
              fresh_database_url: str) -> Flask:
    return lrs_make_app(installed=["audit"], database_url=fresh_database_url)


@pytest.fixture
def audit_client(audit_app: Flask) -> FlaskClient:
    return audit_app.test_client()


@pytest.fixture
def audit_credential(audit_app: Flask,
                     lrs_make_credential: Callable[..., ApiCredential]) -> ApiCredential:
    return lrs_make_credential("all", "audit/read", "audit/export", app=audit_app,
                               name="auditor")


@pytest.fixture
def auth(audit_credential: ApiCredential) -> dict[str, str]:
    return audit_credential.headers


def after_start_up(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries after the first: a fresh store's trail opens with the configuration
    the first application found (``configuration.recorded``, :mod:`lrs.services.configuration`)."""
    assert entries[0]["action"] == "configuration.recorded", entries[0]
    return entries[1:]


def post(client: FlaskClient, auth: dict[str, str], statements: list[dict[str, Any]]) -> None:
    response = client.post("/xapi/statements", json=statements, headers=auth)
    assert response.status_code == 200, response.get_json()
