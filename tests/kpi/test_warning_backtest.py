"""The backtest replays the rules on the generated cohort and scores them against who
did not complete by the due date, with hand-computed precision and recall."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from tests.kpi.warning_program import *  # noqa: F403 (its fixtures)
from tests.kpi.warning_program import GROUP

# Checkpoints 03-01, 03-08, 03-15, 03-22, 03-29, each before the due date 03-31:
#   L1 nothing; L2 behind (03-15) and inactive (03-22); L3 failed first and below the
#   median (03-08); L4 missed the session (03-15) and behind (03-29: 93% of the time,
#   67% done); L5 below the median (03-08); L6 inactive (03-22: 14 days since 03-08);
#   L7 behind (03-15) and inactive (03-22).
# Did not complete by 03-31: L2, L4, L7.
EXPECTED = {
    "inactive": (3, 2, 1, 1, 3, 0.6667, 0.6667),
    "behind_schedule": (3, 3, 0, 0, 4, 1.0, 1.0),
    "failed_first_assessment": (1, 0, 1, 3, 3, 0.0, 0.0),
    "missed_live_session": (1, 1, 0, 2, 4, 1.0, 0.3333),
    "below_cohort_median": (2, 0, 2, 3, 2, 0.0, 0.0),
}
FIELDS = (
    "flagged",
    "true_positives",
    "false_positives",
    "false_negatives",
    "true_negatives",
    "precision",
    "recall",
)


def test_precision_and_recall_per_rule_and_overall(
    program: object, client: FlaskClient, credential: ApiCredential
) -> None:
    response = client.get(
        "/api/kpis/warnings/backtest",
        headers=credential.headers,
        query_string={"group": GROUP, "since": "2026-03-01", "until": "2026-03-31"},
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["checkpoints"] == [
        "2026-03-01",
        "2026-03-08",
        "2026-03-15",
        "2026-03-22",
        "2026-03-29",
    ]
    assert (report["pairs"], report["people"], report["did_not_complete"]) == (7, 7, 3)
    assert {r["rule"]: tuple(r[f] for f in FIELDS) for r in report["rules"]} == EXPECTED
    assert tuple(report["overall"][f] for f in FIELDS) == (6, 3, 3, 0, 1, 0.5, 1.0)
    by_person = {p["employee_id"]: (p["completed"], p["flagged_by"]) for p in report["cohort"]}
    assert by_person["L4"] == (False, ["behind_schedule", "missed_live_session"])
    assert by_person["L1"] == (True, [])
    # A backtest changes no flag.
    assert client.get("/api/kpis/warnings", headers=credential.headers).get_json() == {
        "warnings": []
    }


def test_turning_a_rule_off_leaves_it_out_of_the_backtest(
    program: object, client: FlaskClient, credential: ApiCredential
) -> None:
    response = client.put(
        "/api/kpis/warnings/rules/inactive", json={"enabled": False}, headers=credential.headers
    )
    assert response.status_code == 200, response.get_json()
    report = client.get(
        "/api/kpis/warnings/backtest",
        headers=credential.headers,
        query_string={"group": GROUP, "since": "2026-03-01", "until": "2026-03-31"},
    ).get_json()
    assert "inactive" not in {r["rule"] for r in report["rules"]}
    # L6 was flagged by inactivity only: the overall false positives drop to two.
    assert report["overall"]["false_positives"] == 2


def test_the_command_prints_the_table(program: object, kpi_cli: Callable[..., Result]) -> None:
    result = kpi_cli(
        "kpi",
        "warnings",
        "backtest",
        "--group",
        GROUP,
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-31",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Group Cohort A: 7 assignment cycles of 7 people")
    assert "3 not completed" in lines[0]
    assert lines[-1].split() == ["any", "rule", "6", "3", "3", "0", "1", "50%", "100%"]
    # docs/kpi.md shows this very table.
    docs = (Path(__file__).parents[2] / "docs" / "kpi.md").read_text()
    assert "\n".join(lines[1:]) in docs
    as_json = kpi_cli(
        "kpi",
        "warnings",
        "backtest",
        "--group",
        GROUP,
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-31",
        "--json",
    )
    assert json.loads(as_json.output)["overall"]["recall"] == 1.0


def test_the_command_refuses_bad_dates_in_one_line(
    program: object, kpi_cli: Callable[..., Result]
) -> None:
    result = kpi_cli(
        "kpi",
        "warnings",
        "backtest",
        "--group",
        GROUP,
        "--since",
        "2026-03-31",
        "--until",
        "2026-03-01",
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: must not be before since (option.until: must not be before since)"
    )
    missing = kpi_cli(
        "kpi",
        "warnings",
        "backtest",
        "--group",
        "Nobody",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-31",
    )
    assert missing.exit_code == 1
    assert "no group named 'Nobody'" in missing.output
