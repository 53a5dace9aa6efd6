"""An application with the audit plugin loaded through its real entry point, on a fresh
database migrated with the audit branch, and an Ed25519 key of the test's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential, create_credential
from tests.conftest import basic_auth
from tests.plugins.conftest import runtime


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
def audit_app(audit_key: Path, fresh_settings: Callable[..., Settings]) -> Iterator[Flask]:
    app = create_app(fresh_settings(auto_migrate=True))
    yield app
    runtime(app).db.engine.dispose()


@pytest.fixture
def audit_client(audit_app: Flask) -> FlaskClient:
    return audit_app.test_client()


@pytest.fixture
def audit_credential(audit_app: Flask) -> IssuedCredential:
    rt = runtime(audit_app)
    with rt.db.write() as session:
        return create_credential(session, rt.settings.secret_key, name="auditor", scopes=["all"])


@pytest.fixture
def auth(audit_credential: IssuedCredential) -> dict[str, str]:
    return {"Authorization": basic_auth(audit_credential), "X-Experience-API-Version": "2.0.0"}


def deliver(app: Flask) -> None:
    """Run the outbox until nothing is due (what the server's thread or `lrs worker` does)."""
    outbox = runtime(app).outbox
    while outbox.process_pending():
        pass


def post(client: FlaskClient, auth: dict[str, str], statements: list[dict[str, Any]]) -> None:
    response = client.post("/xapi/statements", json=statements, headers=auth)
    assert response.status_code == 200, response.get_json()
