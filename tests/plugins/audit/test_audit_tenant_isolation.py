"""The audit views show a store's caller only that store's entries (tenant isolation)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import deliver
from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from tests.conftest import basic_auth
from tests.http.statement_helpers import make_statement
from tests.plugins.audit.conftest import after_start_up, post
from tests.plugins.conftest import runtime

COURSE = "https://example.com/courses/aml"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def test_audit_views_show_only_the_callers_store(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    rt = runtime(audit_app)
    with rt.db.write() as session:
        tenant = create_tenant(session, "beta")
        other = create_credential(session, rt.settings.secret_key, name="beta auditor",
                                  scopes=["all", "audit/read", "audit/export"],
                                  tenant_id=tenant.id, known_scopes=rt.scopes)
    beta = {"Authorization": basic_auth(other), "X-Experience-API-Version": "2.0.0"}
    post(audit_client, auth, [make_statement(mbox="mailto:alice@example.com", verb=COMPLETED,
                                             activity=COURSE) for _ in range(3)])
    post(audit_client, beta, [make_statement(mbox="mailto:bob@example.com", verb=COMPLETED,
                                             activity=COURSE)])
    deliver(audit_app)

    def exported(headers: dict[str, str]) -> list[dict[str, object]]:
        response = audit_client.get("/audit/export?format=jsonl", headers=headers)
        assert response.status_code == 200
        return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]

    def people_in_report(headers: dict[str, str]) -> list[object]:
        required = [{"activity": COURSE, "due": "2030-01-01", "people": "all"}]
        response = audit_client.get("/audit/report", headers=headers,
                                    query_string={"required": json.dumps(required)})
        assert response.status_code == 200
        return [row["person"] for row in response.get_json()["requirements"][0]["people"]]

    beta_entries = exported(beta)
    assert {e["tenant_id"] for e in beta_entries} == {tenant.id}
    assert [e["person"] for e in beta_entries] == ["mbox:mailto:bob@example.com"]
    alpha_entries = exported(auth)
    assert {e["tenant_id"] for e in alpha_entries} == {1}
    assert [e["person"] for e in after_start_up(alpha_entries)] == [
        "mbox:mailto:alice@example.com"] * 3
    assert people_in_report(beta) == ["mbox:mailto:bob@example.com"]
    assert people_in_report(auth) == ["mbox:mailto:alice@example.com"]
    # Verification checks the one chain but counts only the caller's entries: its
    # statements and its own export, nothing of the other store's volume.
    for headers, count in ((beta, 2), (auth, 5)):
        verified = audit_client.get("/audit/verify", headers=headers).get_json()
        assert verified["ok"] is True
        assert verified["entries"] == count
