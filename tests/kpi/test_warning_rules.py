"""Each early-warning rule fires and clears exactly when it should, on the generated
program of :mod:`tests.kpi.warning_program` (both backends)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from tests.kpi.warning_program import *  # noqa: F403 (its fixtures)
from tests.kpi.warning_program import evaluate, flagged, flags

BEHIND, INACTIVE = "behind_schedule", "inactive"
FAILED, MISSED, BELOW = "failed_first_assessment", "missed_live_session", "below_cohort_median"


def test_flags_open_update_and_resolve_day_by_day(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    # 03-08: L3 failed the quiz first; with five scores (median 0.7) L3 (0.4) and
    # L5 (0.3) are under 0.6 x 0.7; only 5 of 28 days have gone.
    assert evaluate(client, credential, "2026-03-08")["opened"] == 3
    assert flagged(client, credential) == {("L3", FAILED), ("L3", BELOW), ("L5", BELOW)}
    # 03-12: L3 passed (clears both), L5 completed (no longer looked at); 9/28 of the
    # time gone and nothing done for L2 and L7; L4 left the live session early.
    assert evaluate(client, credential, "2026-03-12") == {
        "opened": 3,
        "updated": 0,
        "resolved": 3,
        "unchanged": 0,
    }
    assert flagged(client, credential) == {("L2", BEHIND), ("L7", BEHIND), ("L4", MISSED)}
    # 03-20: 16 days since L2's one statement, 17 since L7's window opened.
    evaluate(client, credential, "2026-03-20")
    assert flagged(client, credential) == {
        ("L2", BEHIND),
        ("L7", BEHIND),
        ("L4", MISSED),
        ("L2", INACTIVE),
        ("L7", INACTIVE),
    }
    # 03-26: L4's miss is older than 14 days; L7 is due in 5 days and never started.
    evaluate(client, credential, "2026-03-26")
    assert flagged(client, credential) == {
        ("L2", BEHIND),
        ("L7", BEHIND),
        ("L2", INACTIVE),
        ("L7", INACTIVE),
    }
    l7 = next(f for f in flags(client, credential, rule=BEHIND) if f["employee_id"] == "L7")
    assert l7["reason"] == (
        "Behind schedule: 'Onboarding' is due in 5 days (2026-03-31) and not started."
    )
    # 04-01: overdue; L4 inactive 14 days (since 03-18).
    evaluate(client, credential, "2026-04-01")
    assert flagged(client, credential) == {
        ("L2", BEHIND),
        ("L7", BEHIND),
        ("L4", BEHIND),
        ("L2", INACTIVE),
        ("L7", INACTIVE),
        ("L4", INACTIVE),
    }
    resolved = {(f["employee_id"], f["rule"]) for f in flags(client, credential, status="resolved")}
    assert resolved == {("L3", FAILED), ("L3", BELOW), ("L5", BELOW), ("L4", MISSED)}
