"""The compliance report on the store's assignments: everyone assigned, statements or not.

People and groups are in the directory, assignments are created by a plugin through
the host (``host.create_assignment``), statements arrive through the xAPI; the report
comes from ``/audit/report``, ``lrs audit report`` and the compliance page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import deliver
from lrs.services.groups import create_group
from lrs.services.people import import_people, parse_people_csv
from tests.assignments.conftest import AML, DRILL, STAFF, said
from tests.oidc import OidcProvider
from tests.plugins.audit.conftest import post
from tests.plugins.audit.test_audit_ui import audit_web_app, person
from tests.plugins.conftest import runtime

assert audit_web_app  # a fixture, used by name


def _assign(app: Flask) -> dict[str, int]:
    """E1-E4 in the directory (E4 inactive), group Sales, and two assignments made by a
    plugin: AML for the group, the fire drill (instructor-led) for E2."""
    rt = runtime(app)
    records, errors = parse_people_csv(STAFF)
    assert not errors
    import_people(rt, records, actor="cli:test")
    create_group(rt, actor="cli:test", name="Sales", rule="department = Sales")
    made = {"aml": rt.host.create_assignment(
                1, {"group": "Sales", "activity": AML, "due": "2026-06-30"},
                actor="plugin:hr-sync").id,
            "drill": rt.host.create_assignment(
                1, {"person": "E2", "activity": DRILL, "due": "2026-06-30"},
                actor="plugin:hr-sync").id}
    return made


@pytest.fixture
def assigned(audit_app: Flask, audit_client: FlaskClient,
             auth: dict[str, str]) -> dict[str, object]:
    ids = _assign(audit_app)
    post(audit_client, auth, [
        ada := said("ada@example.com", "completed", AML, "2026-05-02"),
        said("bob@example.com", "launched", AML, "2026-05-03"),
        bob := said("bob@example.com", "attended", DRILL, "2026-05-20",
                    result={"completion": True})])
    return {**ids, "ada": ada["id"], "bob": bob["id"]}


def _statuses(report: dict, assignment: int) -> dict[str, str]:
    [found] = [a for a in report["assignments"] if a["id"] == assignment]
    return {p["employee_id"]: p["status"] for p in found["people"]}


def test_report_lists_people_assigned_who_never_started_as_overdue(
    assigned: dict, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/report", headers=auth,
                                query_string={"as_of": "2026-07-01"})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert _statuses(report, assigned["aml"]) == {"E1": "compliant", "E2": "overdue",
                                                  "E3": "overdue"}
    assert _statuses(report, assigned["drill"]) == {"E2": "compliant"}   # instructor-led
    [aml] = [a for a in report["assignments"] if a["id"] == assigned["aml"]]
    assert aml["summary"] == {"overdue": 2, "due_soon": 0, "not_started": 0,
                              "in_progress": 0, "compliant": 1}
    ada = aml["people"][0]
    assert [e["statement"] for e in ada["evidence"]] == [assigned["ada"]]
    assert aml["created_by"] == "plugin:hr-sync"
    early = audit_client.get("/audit/report", headers=auth,
                             query_string={"as_of": "2026-06-01"}).get_json()
    assert _statuses(early, assigned["aml"]) == {"E1": "compliant", "E2": "in_progress",
                                                 "E3": "not_started"}


def test_the_plugin_made_assignments_are_in_the_audit_trail(
    assigned: dict, audit_app: Flask, audit_client: FlaskClient,
) -> None:
    from lrs.plugin.testing import create_api_credential

    deliver(audit_app)
    exporter = create_api_credential(audit_app, "audit/export", name="exporter")
    csv = audit_client.get("/audit/export?format=csv", headers=exporter.headers)
    lines = [line for line in csv.get_data(as_text=True).splitlines()
             if "assignment.created" in line]
    assert len(lines) == 2 and all("plugin:hr-sync" in line for line in lines)


def test_report_command_uses_the_assignments_without_a_requirements_file(
    assigned: dict, audit_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from lrs.cli import cli

    settings = runtime(audit_app).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(cli, ["audit", "report", "--as-of", "2026-07-01"])
    assert result.exit_code == 0, result.output
    assert _statuses(json.loads(result.output), assigned["aml"]) == {
        "E1": "compliant", "E2": "overdue", "E3": "overdue"}
    bad = CliRunner().invoke(cli, ["audit", "report", "--as-of", "July"])
    assert bad.exit_code == 2 and "Invalid value" in bad.output


def test_compliance_page_shows_everyone_assigned_with_evidence(
    audit_web_app: Flask, oidc_provider: OidcProvider, audit_key: object,
) -> None:
    ids = _assign(audit_web_app)
    officer = person(audit_web_app, oidc_provider, "weft-auditors")
    from lrs.plugin.testing import create_api_credential

    writer = create_api_credential(audit_web_app, "statements/write", name="lms")
    done = said("ada@example.com", "completed", AML, "2026-05-02")
    assert officer.post("/xapi/statements", json=[done],
                        headers=writer.headers).status_code == 200
    page = officer.get("/ui/audit/compliance?as_of=2026-07-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html.split(f'id="assignment-{ids["aml"]}"')[1].split("</section>")[0]
    assert "Group Sales" in section and done["id"] in section
    assert section.count('class="status-overdue"') == 2
    assert section.count('class="status-compliant"') == 1
    assert officer.get("/ui/audit/compliance?as_of=soon").status_code == 400
