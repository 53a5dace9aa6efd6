"""Required activities: who is compliant, due soon or overdue, with the statements as evidence."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from tests.plugins.audit.conftest import post
from tests.plugins.conftest import runtime

COURSE = "https://example.com/courses/aml"
SESSION = "https://example.com/sessions/case-scenarios"
VERBS = "http://adlnet.gov/expapi/verbs/"


def _statement(verb: str, who: str, activity: str, when: str, **extra: object) -> dict:
    return {"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:{who}@example.com"},
            "verb": {"id": VERBS + verb}, "object": {"id": activity}, "timestamp": when,
            **extra}


@pytest.fixture
def trained(audit_client: FlaskClient, auth: dict[str, str]) -> None:
    post(audit_client, auth, [
        _statement("completed", "ann", COURSE, "2025-05-02T10:00:00Z"),       # on time
        _statement("launched", "ben", COURSE, "2025-05-03T10:00:00Z"),        # not done
        _statement("passed", "cat", COURSE, "2025-07-09T10:00:00Z"),          # late
        _statement("failed", "dan", COURSE, "2025-05-04T10:00:00Z"),          # not evidence
        _statement("attended", "ann", SESSION, "2025-05-20T09:00:00Z"),       # instructor-led
    ])


def _people(report: dict, index: int) -> dict[str, str]:
    return {p["person"]: p["status"] for p in report["requirements"][index]["people"]}


def test_audit_report_categorises_compliant_due_soon_and_overdue(
    trained: None, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    required = [{"activity": COURSE, "due": "2025-06-30", "people": "all"},
                {"activity": SESSION, "due": "2025-07-20",
                 "people": ["ann@example.com", {"mbox": "mailto:ben@example.com"}]}]
    response = audit_client.get("/audit/report", headers=auth, query_string={
        "required": json.dumps(required), "as_of": "2025-07-10"})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert _people(report, 0) == {"mbox:mailto:ann@example.com": "compliant",
                                  "mbox:mailto:ben@example.com": "overdue",
                                  "mbox:mailto:cat@example.com": "compliant",
                                  "mbox:mailto:dan@example.com": "overdue"}
    late = {p["person"]: p["late"] for p in report["requirements"][0]["people"]}
    assert late["mbox:mailto:cat@example.com"] and not late["mbox:mailto:ann@example.com"]
    assert _people(report, 1) == {"mbox:mailto:ann@example.com": "compliant",
                                  "mbox:mailto:ben@example.com": "due_soon"}
    [evidence] = report["requirements"][1]["people"][0]["evidence"]
    assert evidence["verb"] == VERBS + "attended"
    assert report["requirements"][0]["summary"] == {"compliant": 2, "due_soon": 0,
                                                    "overdue": 2, "pending": 0}


def test_audit_report_ignores_voided_evidence(
    audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    done = _statement("completed", "eve", COURSE, "2025-05-02T10:00:00Z")
    post(audit_client, auth, [done])
    post(audit_client, auth, [{"actor": {"mbox": "mailto:admin@example.com"},
                               "verb": {"id": VERBS + "voided"},
                               "object": {"objectType": "StatementRef", "id": done["id"]}}])
    required = [{"activity": COURSE, "due": "2030-01-01", "people": ["eve@example.com"]}]
    report = audit_client.get("/audit/report", headers=auth, query_string={
        "required": json.dumps(required), "as_of": "2025-06-01"}).get_json()
    assert _people(report, 0) == {"mbox:mailto:eve@example.com": "pending"}


def test_audit_report_command_reads_the_requirements_file(
    trained: None, audit_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lrs.cli import cli

    settings = runtime(audit_app).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    required = tmp_path / "required.json"
    required.write_text(json.dumps([{"activity": COURSE, "due": "2025-06-30",
                                     "people": ["ben@example.com"]}]))
    result = CliRunner().invoke(cli, ["audit", "report", "--required", str(required),
                                      "--as-of", "2025-06-20"])
    assert result.exit_code == 0, result.output
    assert _people(json.loads(result.output), 0) == {"mbox:mailto:ben@example.com": "due_soon"}

    assert CliRunner().invoke(cli, ["tenants", "create", "acme"]).exit_code == 0
    for store in ("default", "acme"):
        named = CliRunner().invoke(cli, ["audit", "report", "--required", str(required),
                                         "--as-of", "2025-06-20", "--tenant", store])
        assert named.exit_code == 0, named.output
    by_id = CliRunner().invoke(cli, ["audit", "export", "--format", "csv", "-o",
                                     str(tmp_path / "out.csv"), "--tenant", "1"])
    assert by_id.exit_code == 1
    assert by_id.output == ("Error: no store named '1' (stores are named, not numbered; "
                            "lrs tenants list shows them)\n")


def test_audit_report_refuses_a_malformed_requirements_list(
    audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/report", headers=auth, query_string={
        "required": json.dumps([{"activity": COURSE, "due": "soon"}])})
    assert response.status_code == 400 and "$[0].due" in response.get_json()["message"]
