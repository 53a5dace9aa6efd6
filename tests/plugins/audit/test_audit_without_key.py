"""A production server started without the audit signing key (it may, when it does not
deliver events: ``LRS_OUTBOX_INLINE=false`` and a ``lrs worker`` elsewhere) answers the
audit endpoints with a 503 naming the variable to set, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from lrs.plugin.testing import ApiCredential


@pytest.fixture
def keyless_app(monkeypatch: pytest.MonkeyPatch, lrs_make_app: Callable[..., Flask],
                fresh_database_url: str) -> Flask:
    monkeypatch.delenv("LRS_PLUGIN_AUDIT_KEY_FILE", raising=False)
    return lrs_make_app(installed=["audit"], database_url=fresh_database_url,
                        env="production", secret_key="s" * 40, outbox_inline=False)


def test_audit_endpoints_without_the_key_are_503_naming_it(
    keyless_app: Flask, lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    auditor = lrs_make_credential("audit/read", "audit/export", app=keyless_app)
    client = keyless_app.test_client()
    for path in ("/audit/verify", "/audit/export?format=jsonl"):
        response = client.get(path, headers=auditor.headers)
        assert response.status_code == 503, (path, response.get_data(as_text=True))
        assert response.json["error"] == "audit_key_missing"
        assert "LRS_PLUGIN_AUDIT_KEY_FILE" in response.json["message"]
