"""``lrs assignments create | list | delete | import | status`` on each test database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.assignments.conftest import AML, FIRE, said


def test_create_list_status_and_delete(directory: None, lrs: Any,
                                       post_statements: Callable[..., list[str]]) -> None:
    made = lrs("assignments", "create", "--group", "Sales", "--activity", AML,
               "--due", "2026-06-30", "--every", "12", "--json")
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    assert (created["group"], created["every_months"]) == ("Sales", 12)
    assert created["created_by"].startswith("cli:")
    program = lrs("assignments", "create", "--person", "E2", "--program", "Onboarding",
                  "--activity", AML, "--activity", FIRE, "--due", "2026-03-31")
    assert program.output == f"Created assignment {created['id'] + 1}.\n"
    table = lrs("assignments", "list").output.splitlines()
    assert table[0].split() == ["ID", "TO", "WHAT", "DUE", "EVERY"]
    assert table[1].split() == [str(created["id"]), "group", "Sales", AML, "2026-06-30", "12"]
    assert table[2].split() == [str(created["id"] + 1), "person", "E2", "Onboarding",
                                "2026-03-31"]
    done = post_statements(said("grace@example.com", "completed", AML, "2026-05-02"))[0]
    status = lrs("assignments", "status", "--as-of", "2026-06-01", "--assignment",
                 str(created["id"]), "--json")
    assert status.exit_code == 0, status.output
    assert {(s["employee_id"], s["status"]) for s in json.loads(status.stdout)} == {
        ("E1", "not_started"), ("E2", "not_started"), ("E3", "compliant")}
    lines = lrs("assignments", "status", "--as-of", "2026-06-01").output.splitlines()
    assert [line.split()[:3] for line in lines[1:4]] == [
        [str(created["id"]), "E1", "not_started"], [str(created["id"]), "E2", "not_started"],
        [str(created["id"]), "E3", "compliant"]]
    assert lines[3].split()[-1] == done
    assert lines[4].split()[1:4] == ["E2", "overdue", "2026-03-31"]
    assert lrs("assignments", "delete", str(created["id"])).output == (
        f"Deleted assignment {created['id']}.\n")
    gone = lrs("assignments", "delete", str(created["id"]))
    assert gone.exit_code == 1
    assert f"no assignment {created['id']} in this store" in gone.output


def test_errors_are_one_line(directory: None, lrs: Any) -> None:
    unknown = lrs("assignments", "create", "--person", "E9", "--activity", AML,
                  "--due", "2026-06-30")
    assert unknown.exit_code == 1
    assert unknown.output.strip() == (
        "Error: $.person: no person with employee id 'E9' in the directory")
    bad = lrs("assignments", "create", "--group", "Sales", "--activity", AML, "--due", "soon")
    assert bad.output.strip() == "Error: $.due: a date YYYY-MM-DD is required"
    assert "must be a date" in lrs("assignments", "status", "--as-of", "x").output
    assert lrs("assignments", "list").output == (
        "No assignments yet. Create one with: lrs assignments create\n")


def test_import_with_a_dry_run_then_for_real(directory: None, lrs: Any,
                                             tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("group,activity,due,every_months\n"
                    f"Sales,{AML},2026-06-30,12\n"
                    f"Nobody,{AML},2026-06-30,\n"
                    f"Sales,{FIRE},someday,\n")
    refused = lrs("assignments", "import", str(path))
    assert refused.exit_code == 1
    assert f"{path}: line 4, due: a date YYYY-MM-DD is required" in refused.output
    assert "1 error(s): nothing imported" in refused.output
    path.write_text("group,activity,due,every_months\n"
                    f"Sales,{AML},2026-06-30,12\n"
                    f"Nobody,{AML},2026-06-30,\n")
    unknown = lrs("assignments", "import", str(path))
    assert unknown.exit_code == 1
    assert "line 3, group: no group named 'Nobody'" in unknown.output
    path.write_text("group,activity,due,every_months\n"
                    f"Sales,{AML},2026-06-30,12\n"
                    f"Sales,{FIRE},2026-06-30,\n")
    dry = lrs("assignments", "import", str(path), "--dry-run")
    assert dry.output == "Would create 2 assignment(s); 0 already there.\n"
    assert "No assignments yet" in lrs("assignments", "list").output
    assert lrs("assignments", "import", str(path)).output == (
        "Created 2 assignment(s); 0 already there.\n")
    assert lrs("assignments", "import", str(path)).output == (
        "Created 0 assignment(s); 2 already there.\n")
    assert len(json.loads(lrs("assignments", "list", "--json").stdout)) == 2


def test_each_command_has_help_with_an_example() -> None:
    from click.testing import CliRunner

    from lrs.cli import cli

    for command in ("create", "list", "delete", "import", "status"):
        result = CliRunner().invoke(cli, ["assignments", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, command
        assert f"lrs assignments {command}" in result.output, command


def test_erasing_a_person_deletes_the_assignments_naming_them(directory: None,
                                                              lrs: Any) -> None:
    for who in ("E1", "E2"):
        made = lrs("assignments", "create", "--person", who, "--activity", AML,
                   "--due", "2026-06-30")
        assert made.exit_code == 0, made.output
    assert lrs("assignments", "create", "--group", "Sales", "--activity", AML,
               "--due", "2026-06-30").exit_code == 0
    erased = lrs("people", "erase", "--agent", '{"mbox": "mailto:ada@example.com"}', "--yes")
    assert erased.exit_code == 0, erased.output
    left = json.loads(lrs("assignments", "list", "--json").stdout)
    assert [(a.get("person"), a.get("group")) for a in left] == [("E2", None), (None, "Sales")]
