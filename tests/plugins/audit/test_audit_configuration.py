"""Configuration changes reach the audit trail with their before/after
(lrs.services.configuration)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from lrs.plugin.testing import deliver
from plugins.audit.trail import Filters, trail_for
from tests.plugins.conftest import runtime


def test_audit_trail_records_configuration_changes_with_before_and_after(
    audit_app: Flask, lrs_make_app: Callable[..., Flask], fresh_database_url: str,
    audit_key: Path,
) -> None:
    restarted = lrs_make_app(installed=["audit"], database_url=fresh_database_url,
                             page_size=7, oidc_metadata_url="https://idp.example.com/.well-known"
                             "/openid-configuration", oidc_client_id="weft",
                             oidc_client_secret="oidc-secret-never-in-the-trail")
    deliver(restarted)
    entries = list(trail_for(runtime(restarted).host).entries(Filters(tenant_id=1)))
    recorded, changed = entries
    assert (recorded["action"], recorded["actor"], recorded["before"]) == (
        "configuration.recorded", "system", None)
    assert recorded["after"]["plugin:audit"].startswith("weft-lrs ")
    assert recorded["after"]["LRS_PLUGIN_AUDIT_KEY_FILE"] == str(audit_key)
    assert (changed["action"], changed["target"]) == ("configuration.changed", "configuration")
    assert changed["before"]["LRS_PAGE_SIZE"] == 100 and changed["after"]["LRS_PAGE_SIZE"] == 7
    assert set(changed["after"]) == {"LRS_PAGE_SIZE", "LRS_OIDC_METADATA_URL",
                                     "LRS_OIDC_CLIENT_ID", "LRS_OIDC_CLIENT_SECRET"}
    assert changed["before"]["LRS_OIDC_CLIENT_SECRET"] == ""
    assert changed["after"]["LRS_OIDC_CLIENT_SECRET"].startswith("*** (set, fingerprint ")
    assert set(changed["source"]) == {"host", "pid", "user", "process"}
    assert "oidc-secret-never-in-the-trail" not in json.dumps(entries)
    assert runtime(audit_app).settings.secret_key not in json.dumps(entries)
    assert trail_for(runtime(restarted).host).verify().ok
