"""Exports hold exactly the filtered entries; JSON Lines manifests verify; PDFs render."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from lrs.plugin.testing import deliver
from plugins.audit.export import manifest_verifies
from plugins.audit.trail import trail_for
from tests.plugins.audit.conftest import post
from tests.plugins.conftest import runtime, statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ALICE, BOB = "mailto:alice@example.com", "mailto:bob@example.com"


@pytest.fixture
def populated(audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str]) -> Flask:
    post(audit_client, auth, [statement(COMPLETED, ALICE), statement(mbox=BOB),
                              statement(COMPLETED, BOB), statement(mbox=ALICE)])
    deliver(audit_app)
    return audit_app


def test_audit_export_csv_holds_exactly_the_person_filtered_entries(
    populated: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/export", headers=auth,
                                query_string={"format": "csv", "person": "alice@example.com"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["seq"] for r in rows] == ["2", "5"]  # after the configuration record
    assert {r["person"] for r in rows} == {f"mbox:{ALICE}"}
    assert json.loads(rows[0]["after"])["verb"] == COMPLETED


def test_audit_export_csv_times_are_iso_8601_utc(
    populated: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/export", headers=auth, query_string={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    jsonl = audit_client.get("/audit/export", headers=auth, query_string={"format": "jsonl"})
    records = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    iso_utc = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
    for row, record in zip(rows, records, strict=False):
        assert iso_utc.match(row["recorded"]) and iso_utc.match(row["occurred"]), row
        # the same instant as the integer the hash covers, to the microsecond
        occurred = datetime.fromisoformat(row["occurred"].replace("Z", "+00:00"))
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        assert (occurred - epoch) // _MICROSECOND == record["occurred_us"]
    assert "recorded_us" not in rows[0] and "occurred_us" not in rows[0]


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)


def test_audit_export_jsonl_manifest_signature_verifies(
    populated: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/export", headers=auth, query_string={
        "format": "jsonl", "person": json.dumps({"mbox": BOB})})
    data = response.get_data()
    records = [json.loads(line) for line in data.decode().splitlines()]
    assert [r["seq"] for r in records] == [3, 4]
    manifest = json.loads(response.headers["Audit-Manifest"])
    assert manifest["count"] == 2
    public = trail_for(runtime(populated).host).signer.public_pem()
    assert manifest_verifies(manifest, data, public)
    assert not manifest_verifies(manifest, data.replace(b"bob", b"eve"), public)
    assert not manifest_verifies({**manifest, "count": 3}, data, public)


def test_audit_export_is_itself_recorded(
    populated: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    audit_client.get("/audit/export", headers=auth, query_string={"format": "csv"})
    response = audit_client.get("/audit/export", headers=auth, query_string={"format": "jsonl"})
    last = json.loads(response.get_data().decode().splitlines()[-1])
    assert last["action"] == "audit.exported" and last["details"]["count"] == 5
    assert last["actor"].startswith("credential:")


def test_audit_export_command_writes_file_and_signed_manifest(
    populated: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lrs.cli import cli

    settings = runtime(populated).settings
    monkeypatch.setenv("LRS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LRS_SECRET_KEY", settings.secret_key)
    out = tmp_path / "alice.jsonl"
    result = CliRunner().invoke(cli, ["audit", "export", "--format", "jsonl", "--person",
                                      "alice@example.com", "--since", "2000-01-01",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "alice.jsonl.manifest.json").read_text())
    assert manifest["count"] == 2 and manifest["filters"]["person"] == f"mbox:{ALICE}"
    assert manifest_verifies(manifest, out.read_bytes())
    until = CliRunner().invoke(cli, ["audit", "export", "--format", "csv", "--until",
                                     "2000-01-01", "-o", str(tmp_path / "none.csv")])
    assert until.exit_code == 0, until.output
    assert len((tmp_path / "none.csv").read_text().splitlines()) == 1  # the header only


def test_audit_export_pdf_renders_a_readable_report(
    populated: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/export", headers=auth, query_string={"format": "pdf"})
    assert response.status_code == 200 and response.content_type == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Weft audit trail report" in page
    assert "Completions per month" in page
    assert "statement.stored" in page


def test_audit_pdf_chart_and_report_count_a_completion_in_its_timestamp_month(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    """Stored now, done in January 2025: the chart and the report both say January."""
    course = "https://example.com/courses/aml"
    post(audit_client, auth, [statement(COMPLETED, ALICE, activity=course,
                                        timestamp="2025-01-31T23:30:00Z")])
    deliver(audit_app)
    data = audit_client.get("/audit/export", headers=auth,
                            query_string={"format": "pdf"}).get_data()
    page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "2025-01" in page
    assert datetime.now(UTC).strftime("%Y-%m") not in page.split("Seq")[0]  # not the stored month
    assert "by statement timestamp" in page
    required = [{"activity": course, "due": "2025-02-01", "people": [ALICE]}]
    report = audit_client.post("/audit/report", headers=auth, json=required).get_json()
    assert "2025-01-31" in json.dumps(report)


def test_audit_pdf_chart_counts_stay_below_the_heading(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    """The busiest month's count is drawn above its bar, which reaches the chart's top."""
    post(audit_client, auth, [statement(COMPLETED, ALICE) for _ in range(3)])
    deliver(audit_app)
    data = audit_client.get("/audit/export", headers=auth,
                            query_string={"format": "pdf"}).get_data()
    placed: dict[str, float] = {}

    def visit(text: str, _cm: object, tm: list[float], _font: object, size: object) -> None:
        if text.strip():
            placed.setdefault(text.strip(), tm[5])

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    heading = next(y for text, y in placed.items() if text.startswith("Completions per month"))
    # PDF y grows upwards. Baselines 10 pt apart leave the 11 pt heading's descenders
    # clear of the 7 pt count's digits (they were 5 pt apart, overlapping).
    assert heading - placed["3"] > 10


def test_audit_export_refuses_an_unknown_format_and_bad_dates(
    audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    assert audit_client.get("/audit/export?format=xml", headers=auth).status_code == 400
    response = audit_client.get("/audit/export?format=csv&since=yesterday", headers=auth)
    assert response.status_code == 400 and "since" in response.get_json()["message"]
