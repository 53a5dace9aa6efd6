"""``lrs competency frameworks import | list | show``: CASE JSON and CSV detected, dry runs,
errors on one line per problem, the isChildOf tree."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from lrs.store.tenants import create_tenant
from tests.competency.conftest import CASE_10, SKILLS_CSV, package


def test_import_list_and_show_a_case_package(competency_cli: Callable[..., Result]) -> None:
    identifier = package()["CFDocument"]["identifier"]
    result = competency_cli("competency", "frameworks", "import", str(CASE_10), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Would import {identifier} (CASE 1.0, new): items 18 added")
    assert "No frameworks." in competency_cli("competency", "frameworks", "list").output

    result = competency_cli("competency", "frameworks", "import", str(CASE_10))
    assert result.exit_code == 0, result.output
    assert "associations 30 added" in result.output
    again = competency_cli("competency", "frameworks", "import", str(CASE_10))
    assert "items 18 unchanged" in again.output

    listed = competency_cli("competency", "frameworks", "list").output
    assert f"{identifier}  Workplace Safety Competencies v2026.1" in listed
    shown = competency_cli("competency", "frameworks", "show", identifier).output.splitlines()
    assert shown[0] == f"Workplace Safety Competencies ({identifier})"
    first_aid = shown.index("  FA First aid")
    assert shown[first_aid + 1 : first_aid + 4] == [
        "    FA.1 Assess a casualty safely",
        "    FA.2 Perform CPR on an adult  [after FA.1]",
        "    FA.3 Use an AED  [after FA.2]",
    ]


def test_a_csv_framework_is_a_tree_and_updates_changed_rows(
    competency_cli: Callable[..., Result], tmp_path: Path
) -> None:
    result = competency_cli("competency", "frameworks", "import", str(SKILLS_CSV))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported skills (CSV, new): items 5 added")
    shown = competency_cli("competency", "frameworks", "show", "skills").output.splitlines()
    assert shown[1:] == [
        "  C Communication",
        "    C.1 Listen actively and confirm understanding",
        "    C.2 Give a clear shift briefing",
        "  T Teamwork",
        "    T.1 Hand over a task with all open issues",
    ]
    changed = tmp_path / "skills.csv"
    changed.write_text(
        SKILLS_CSV.read_text()
        .replace("Give a clear shift briefing", '"Give a clear, short shift briefing"')
        .replace("team-handover,team,Hand over a task with all open issues,T.1,Competency\n", "")
    )
    result = competency_cli("competency", "frameworks", "import", str(changed))
    assert "items 1 updated, 3 unchanged, 1 retired" in result.output
    shown = competency_cli("competency", "frameworks", "show", "skills").output
    assert "C.2 Give a clear, short shift briefing" in shown
    assert "T.1" not in shown
    assert "1 retired items not shown." in shown


def test_broken_files_fail_naming_each_problem(
    competency_cli: Callable[..., Result], tmp_path: Path
) -> None:
    broken = package()
    del broken["CFItems"][3]["uri"]
    del broken["CFDocument"]["title"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = competency_cli("competency", "frameworks", "import", str(path))
    assert result.exit_code == 1
    assert (
        "Error: the CASE package is not valid; nothing was imported "
        "($.CFDocument.title: missing)" in result.output
    )
    assert "  $.CFItems[3].uri: missing" in result.output

    csv = tmp_path / "bad.csv"
    csv.write_text("id,parent,statement\na,,Alpha\nb,zz,Beta\na,,\nc,,Gamma, Delta\n")
    result = competency_cli("competency", "frameworks", "import", str(csv))
    assert result.exit_code == 1
    assert "(line 4.statement: missing)" in result.output
    assert "  line 4.id: repeats line 2" in result.output
    assert "  line 3.parent: 'zz' is no row's id" in result.output
    assert "  line 5: more cells than columns (quote commas)" in result.output

    nojson = tmp_path / "cut.json"
    nojson.write_text('{"CFDocument": ')
    result = competency_cli("competency", "frameworks", "import", str(nojson))
    assert "the file is not valid JSON (line 1 column 16" in result.output
    assert "No frameworks." in competency_cli("competency", "frameworks", "list").output
    result = competency_cli("competency", "frameworks", "show", "nope")
    assert result.exit_code == 1
    assert "no framework 'nope'" in result.output


def test_tenant_option(
    comp_app: Flask,
    competency_cli: Callable[..., Result],
    client: FlaskClient,
    auth: dict[str, str],
) -> None:
    with comp_app.extensions["lrs"].db.write() as session:
        create_tenant(session, "acme")
    result = competency_cli(
        "competency", "frameworks", "import", str(SKILLS_CSV), "--tenant", "acme"
    )
    assert result.exit_code == 0, result.output
    assert "skills" in competency_cli("competency", "frameworks", "list", "--tenant", "acme").output
    assert client.get("/api/competency/frameworks", headers=auth).get_json()["frameworks"] == []


def test_a_sequence_number_past_its_column_is_refused_not_sent_to_the_database(
    competency_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """2**31 overflows PostgreSQL's INTEGER, 10**30 SQLite's: both are the file's fault."""
    too_large = package()
    too_large["CFAssociations"][0]["sequenceNumber"] = 2**31
    too_large["CFAssociations"][1]["sequenceNumber"] = -(10**30)
    path = tmp_path / "sequence.json"
    path.write_text(json.dumps(too_large))
    result = competency_cli("competency", "frameworks", "import", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "  $.CFAssociations[1].sequenceNumber: not an integer from -2147483648 to 2147483647",
        "Error: the CASE package is not valid; nothing was imported ($.CFAssociations[0]."
        "sequenceNumber: not an integer from -2147483648 to 2147483647)",
    ]
    assert "No frameworks." in competency_cli("competency", "frameworks", "list").output
