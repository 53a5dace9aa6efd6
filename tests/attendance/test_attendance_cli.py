"""``lrs attendance``: sessions from the command line and a CSV, imports with a dry run,
the review queue, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from flask.testing import FlaskClient

from tests.attendance.conftest import ACTIVITY, SESSION, attended, sheet

SESSIONS_CSV = (
    "key,activity_id,title,start,end,timezone,instructor,roster_people,roster_groups\n"
    f"{SESSION},{ACTIVITY},Onboarding day one,2026-12-04T09:00:00Z,2026-12-04T10:00:00Z,"
    "UTC,E7,E5,New hires\n"
    f"follow-up,{ACTIVITY}/2,Follow-up,2026-12-11T09:00:00Z,2026-12-11T10:00:00Z,"
    "Europe/Berlin,maria@example.com,,\n"
)


def test_sessions_are_planned_from_a_csv_and_the_command_line(
    attendance_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        SESSIONS_CSV.replace("2026-12-11T10:00:00Z", "soon").replace(
            "Europe/Berlin", "Mars/Olympus"
        )
    )
    refused = attendance_cli("attendance", "sessions", "import", str(bad))
    assert refused.exit_code == 1
    assert "line 3, end" in refused.output and "line 3, timezone" in refused.output
    good = tmp_path / "sessions.csv"
    good.write_text(SESSIONS_CSV)
    done = attendance_cli("attendance", "sessions", "import", str(good))
    assert done.exit_code == 0, done.output
    assert done.output == "2 sessions created, 0 updated.\n"
    assert attendance_cli("attendance", "sessions", "import", str(good)).output == (
        "0 sessions created, 2 updated.\n"
    )
    created = attendance_cli(
        "attendance",
        "sessions",
        "create",
        "--key",
        "drill",
        "--activity",
        "https://learn.example.com/drill",
        "--title",
        "Fire drill",
        "--start",
        "2026-12-05T09:00:00+01:00",
        "--end",
        "2026-12-05T09:30:00+01:00",
        "--person",
        "E1",
        "--person",
        "E2",
        "--instructor",
        "E99",
    )
    assert created.exit_code == 1
    assert created.output.startswith("Error: the session is not valid ($.instructor: no person")
    listed = json.loads(attendance_cli("attendance", "sessions", "list", "--json").output)
    assert [s["key"] for s in listed] == [SESSION, "follow-up"]
    assert listed[0]["roster"] == {"people": ["E5"], "groups": ["New hires"]}
    assert listed[1]["instructor"]["mbox"] == "mailto:maria@example.com"


def test_import_dry_run_then_import_then_review(
    attendance_cli: Callable[..., Result],
    tmp_path: Path,
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    report = tmp_path / "signin.csv"
    report.write_bytes(
        sheet(
            "Ada,ada@example.com,,2026-12-04 09:00,2026-12-04 10:00",
            "Visitor <b>X</b>,,,2026-12-04 09:00,2026-12-04 10:00",
        )
    )
    dry = attendance_cli("attendance", "import", str(report), "--session", SESSION, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 2 sheet rows for onboarding-1204: 1 by email, 1 by unmatched" in (
        dry.output
    )
    assert attended(client, auth) == []
    real = attendance_cli(
        "attendance", "import", str(report), "--session", SESSION, "--source", "sheet"
    )
    assert real.exit_code == 0, real.output
    assert "Importing signin.csv" in real.stderr
    assert "statements: 1 stored, 0 voided, 0 unchanged" in real.stdout
    assert len(attended(client, auth)) == 1

    listed = attendance_cli("attendance", "review", "list", "--json")
    (review,) = json.loads(listed.output)
    assert review["name"] == "Visitor <b>X</b>" and review["reason"] == "unmatched"
    usage = attendance_cli("attendance", "review", "resolve", str(review["id"]))
    assert usage.exit_code == 2
    resolved = attendance_cli(
        "attendance", "review", "resolve", str(review["id"]), "--person", "E2"
    )
    assert resolved.exit_code == 0, resolved.output
    assert resolved.output == f"Review {review['id']} resolved; recorded again: {SESSION}.\n"
    assert len(attended(client, auth)) == 2
    assert attendance_cli("attendance", "review", "list").output == ""

    wrong = attendance_cli("attendance", "import", str(report), "--session", "nope")
    assert wrong.exit_code == 1 and wrong.output == "Error: no session 'nope' in this store\n"
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    refused = attendance_cli("attendance", "import", str(junk), "--session", SESSION)
    assert refused.exit_code == 1 and "not an attendance report" in refused.output


def test_erasing_a_person_removes_their_outcomes_rows_and_reviews(
    attendance_cli: Callable[..., Result],
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload_rows = sheet(
        "Ada,ada.lovelace@example.org,,2026-12-04 09:00,2026-12-04 10:00",
        "Someone,ada@example.com,,2026-12-04 09:00,2026-12-04 09:10",
        "Stranger,ada@elsewhere.example,,2026-12-04 09:00,2026-12-04 10:00",
    )
    client.post(f"/api/attendance/sessions/{SESSION}/imports", data=upload_rows, headers=auth)
    agent = '{"mbox": "mailto:ada@example.com"}'
    shown = attendance_cli("people", "erase", "--agent", agent, "--dry-run")
    counts = {
        line.rsplit(maxsplit=1)[0]: line.rsplit(maxsplit=1)[1]
        for line in shown.output.splitlines()
        if line.startswith("attendance: ")
    }
    assert counts == {
        "attendance: outcomes": "1",
        "attendance: rows": "2",
        "attendance: reviews": "0",
    }
    erased = attendance_cli("people", "erase", "--agent", agent, "--yes")
    assert erased.exit_code == 0, erased.output
    listing = client.get(f"/api/attendance/sessions/{SESSION}/attendance", headers=auth)
    assert listing.get_json()["people"] == []
    # The stranger's row is theirs, not Ada's: it stays in the queue.
    reviews = client.get("/api/attendance/reviews", headers=auth).get_json()["reviews"]
    assert [r["email"] for r in reviews] == ["ada@elsewhere.example"]
