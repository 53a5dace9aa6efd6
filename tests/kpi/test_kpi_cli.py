"""``lrs kpi``: the template loaded, a file exported and loaded back, list, show, evaluate,
rebuild and alerts; errors as one line naming the path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask

from plugins.kpi.dashboard import Filters, dashboard
from plugins.kpi.template import TEMPLATE
from tests.kpi.conftest import ingest, week_41


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_the_template_loads_ready_to_use_and_round_trips_through_a_file(
    kpi_cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert "7 created, 0 updated, 0 unchanged" in ok(kpi_cli("kpi", "load", "--template"))
    assert "0 created, 0 updated, 7 unchanged" in ok(kpi_cli("kpi", "load", "--template"))
    exported = tmp_path / "kpis.yaml"
    ok(kpi_cli("kpi", "export", "-o", str(exported)))
    text = exported.read_text()
    assert "key: completion-rate" in text and "change: -30" in text
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace("value: 80", "value: 75"))
    assert "0 created, 1 updated, 6 unchanged" in ok(kpi_cli("kpi", "load", str(edited)))
    as_json = ok(kpi_cli("kpi", "export", "--format", "json"))
    (tmp_path / "kpis.json").write_text(as_json)
    assert "7 unchanged" in ok(kpi_cli("kpi", "load", str(tmp_path / "kpis.json")))
    listed = ok(kpi_cli("kpi", "list"))
    assert [line.split()[0] for line in listed.splitlines()] == sorted(
        spec["key"] for spec in TEMPLATE
    )
    assert "not evaluated" in listed


def test_a_bad_file_is_refused_whole_with_the_path_of_each_problem(
    kpi_cli: Callable[..., Result], tmp_path: Path
) -> None:
    bad = tmp_path / "kpis.yaml"
    bad.write_text(
        "kpis:\n  - key: fine\n    title: Fine\n    measure: active_learners\n"
        "    target: {op: '>=', value: 1}\n    period: week\n    owner: me\n"
        "  - key: broken\n    title: Broken\n    measure: pass_rate\n"
        "    target: {op: '>=', value: 1}\n    period: fortnight\n    owner: me\n"
    )
    result = kpi_cli("kpi", "load", str(bad))
    assert result.exit_code == 1
    assert "$.kpis[1].period: must be one of week, month, quarter" in result.output
    assert "No KPIs" in ok(kpi_cli("kpi", "list"))
    (tmp_path / "broken.yaml").write_text("kpis: [\n")
    unreadable = kpi_cli("kpi", "load", str(tmp_path / "broken.yaml"))
    assert unreadable.exit_code == 1 and "not YAML at line" in unreadable.output
    assert "give a FILE or --template" in kpi_cli("kpi", "load").output



def test_yaml_values_python_cannot_build_are_refused_naming_where(
    kpi_cli: Callable[..., Result], tmp_path: Path
) -> None:
    """YAML reads them, Python cannot make them values: a date that is none, an alias
    inside its own anchor, a hexadecimal number of more than 4,300 decimal digits."""
    bad_date = tmp_path / "date.yaml"
    bad_date.write_text("kpis:\n  - key: pilot\n    period: {start: 2026-13-45, end: 2027-01-01}\n")
    assert kpi_cli("kpi", "load", str(bad_date)).output.splitlines() == [
        "Error: not YAML at line 3, column 21 ($: month must be in 1..12)"]
    itself = tmp_path / "itself.yaml"
    itself.write_text("kpis:\n  - &kpi {key: loop, title: [*kpi]}\n")
    assert kpi_cli("kpi", "load", str(itself)).output.splitlines() == [
        "Error: not valid: $.kpis[0]: Circular reference detected"]
    huge = tmp_path / "huge.yaml"
    huge.write_text("kpis:\n  - key: huge\n    target: {op: '>=', value: 0x" + "f" * 4000 + "}\n")
    result = kpi_cli("kpi", "load", str(huge))
    assert result.exit_code == 1
    assert result.output.startswith("Error: not valid: $.kpis[0]: Exceeds the limit (4300 digits)")
    assert "No KPIs" in ok(kpi_cli("kpi", "list"))

def test_evaluate_show_rebuild_and_alerts(kpi_app: Flask, kpi_cli: Callable[..., Result]) -> None:
    ingest(kpi_app, week_41())
    ok(kpi_cli("kpi", "load", "--template"))
    out = ok(kpi_cli("kpi", "evaluate", "pass-rate-any-attempt", "--as-of", "2026-10-11"))
    assert "2026-W41: 57.14 (target >= 85) at risk" in out
    out = ok(kpi_cli("kpi", "evaluate", "--as-of", "2026-10-12", "--periods", "2"))
    assert "pass-rate-any-attempt        2026-W41: 57.14 (target >= 85) missed" in out
    assert "[metric 'competency.time_to_competency' is not offered" in out
    shown = ok(kpi_cli("kpi", "show", "pass-rate-any-attempt"))
    assert "2026-W42: - (target >= 85) no data" in shown
    assert "pass-rate-any-attempt 2026-W41: at_risk -> missed" in ok(kpi_cli("kpi", "alerts"))
    rebuilt = ok(kpi_cli("kpi", "rebuild"))
    assert "Rolled up 27 statements." in rebuilt
    again = ok(kpi_cli("kpi", "evaluate", "pass-rate-any-attempt", "--as-of", "2026-10-11"))
    assert "57.14" in again
    missing = kpi_cli("kpi", "show", "nope")
    assert missing.exit_code == 1 and "no KPI 'nope'" in missing.output
    too_early = kpi_cli("kpi", "evaluate", "--as-of", "0001-01-01")
    assert too_early.exit_code == 2 and "is not a day from 1900-01-01" in too_early.output
    assert kpi_cli("kpi", "evaluate", "--as-of", "2026-02-30").exit_code == 2
    assert "Deleted KPI active-learners." in ok(kpi_cli("kpi", "delete", "active-learners"))


def test_erasing_a_person_deletes_their_rollup_rows(
    kpi_app: Flask, kpi_cli: Callable[..., Result]
) -> None:
    ingest(kpi_app, week_41())
    # A recorded dashboard view lists the employee ids it counted, P2's among them.
    dashboard(kpi_app.extensions["lrs"].host, 1, Filters(group="Pilot"))
    agent = '{"mbox": "mailto:P2@example.com"}'
    shown = ok(kpi_cli("people", "erase", "--agent", agent, "--dry-run"))
    counts = {
        line.rsplit(maxsplit=1)[0]: line.rsplit(maxsplit=1)[1]
        for line in shown.splitlines()
        if line.startswith("kpi: ")
    }
    # P2: M1 on two days, the course on two days, the session; three activities.
    assert (counts["kpi: daily"], counts["kpi: progress"]) == ("5", "3")
    assert counts["kpi: dashboard views"] == "1"
    assert counts["kpi: warning results"] != "0"  # the early warning's facts go too
    ok(kpi_cli("people", "erase", "--agent", agent, "--yes"))
    again = ok(kpi_cli("people", "erase", "--agent", agent, "--dry-run"))
    assert {
        line.rsplit(maxsplit=1)[0]: line.rsplit(maxsplit=1)[1]
        for line in again.splitlines()
        if line.startswith("kpi: ")
    } == dict.fromkeys(counts, "0")
