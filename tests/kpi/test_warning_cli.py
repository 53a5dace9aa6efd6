"""``lrs kpi warnings evaluate | list | rules``: the early warning from a shell."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

from tests.kpi.warning_program import *  # noqa: F403 (its fixtures)


def test_evaluate_then_list_with_filters(program: object, kpi_cli: Callable[..., Result]) -> None:
    evaluated = kpi_cli("kpi", "warnings", "evaluate", "--as-of", "2026-03-20")
    assert evaluated.exit_code == 0, evaluated.output
    assert evaluated.output == "5 opened, 0 updated, 0 resolved, 0 unchanged.\n"
    listed = kpi_cli("kpi", "warnings", "list", "--manager", "M1")
    assert listed.exit_code == 0, listed.output
    lines = sorted(listed.output.splitlines())
    assert len(lines) == 2
    assert lines[1].endswith(
        "L2 Learner 2 [inactive, open, manager M1]: No activity for 16 days (last on "
        "2026-03-04) while assigned 'Onboarding' (due 2026-03-31)."
    )
    as_json = json.loads(
        kpi_cli("kpi", "warnings", "list", "--rule", "missed_live_session", "--json").output
    )
    assert [(f["employee_id"], f["facts"]["sessions"][0]["on"]) for f in as_json] == [
        ("L4", "2026-03-10")
    ]
    # Six days later: L2's and L7's days inactive and share of time elapsed have grown
    # (their four reasons change), L4's missed session is older than 14 days.
    again = kpi_cli("kpi", "warnings", "evaluate", "--as-of", "2026-03-26")
    assert again.output == "0 opened, 4 updated, 1 resolved, 0 unchanged.\n"


def test_rules_and_one_line_errors(program: object, kpi_cli: Callable[..., Result]) -> None:
    rules = kpi_cli("kpi", "warnings", "rules")
    assert rules.exit_code == 0, rules.output
    assert "inactive (on): days=14, window_days=28" in rules.output.splitlines()
    assert len(json.loads(kpi_cli("kpi", "warnings", "rules", "--json").output)) == 5
    missing = kpi_cli("kpi", "warnings", "list", "--group", "Nobody")
    assert missing.exit_code == 1
    assert missing.output == (
        "Error: no group named 'Nobody' (query.group: no group named 'Nobody')\n"
    )
    bad_day = kpi_cli("kpi", "warnings", "evaluate", "--as-of", "tomorrow")
    assert bad_day.exit_code == 2 and "--as-of" in bad_day.output
    assert "Examples:" in kpi_cli("kpi", "warnings", "backtest", "--help").output


def test_erasing_a_person_removes_their_facts_flags_and_history(
    program: object, kpi_cli: Callable[..., Result]
) -> None:
    kpi_cli("kpi", "warnings", "evaluate", "--as-of", "2026-03-08")  # L3: two flags
    agent = '{"mbox": "mailto:l3@example.com"}'
    shown = kpi_cli("people", "erase", "--agent", agent, "--dry-run")
    counts = dict(
        line.rsplit(maxsplit=1) for line in shown.output.splitlines() if line.startswith("kpi: ")
    )
    # L3: 4 days active, 4 results, 2 flags each opened and alerted (besides the rollups').
    assert {key: value for key, value in counts.items() if "warning" in key} == {
        "kpi: warning history": "4",
        "kpi: warning flags": "2",
        "kpi: warning results": "4",
        "kpi: warning activity days": "4",
    }
    erased = kpi_cli("people", "erase", "--agent", agent, "--yes")
    assert erased.exit_code == 0, erased.output
    listed = kpi_cli("kpi", "warnings", "list", "--status", "all")
    assert "L3" not in listed.output and "L5" in listed.output
    again = kpi_cli("people", "erase", "--agent", '{"mbox": "mailto:l5@example.com"}', "--dry-run")
    assert ["kpi:", "warning", "flags", "1"] in [line.split() for line in again.output.splitlines()]
