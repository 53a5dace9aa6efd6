"""Recorded dashboard views (plugins/kpi/views.py): a filtered or manager's dashboard is
computed once, then read, until the store's KPIs are evaluated again; a changed KPI
definition or people directory is never served from an old view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from lrs.plugin.host import PluginError
from lrs.plugin.people_view import PeopleInView
from lrs.plugin.testing import deliver
from lrs.services.groups import add_members
from lrs.store.tenants import create_tenant
from plugins.kpi.dashboard import Filters, dashboard
from plugins.kpi.errors import KpiError
from plugins.kpi.models import View
from plugins.kpi.schedule import evaluate_store
from plugins.kpi.views import read, record
from tests.kpi.conftest import M1, attempt, ingest, kpi
from tests.kpi.test_kpi_dashboard import define, first_pass, get, tile

W41 = {"period": "week", "at": "2026-10-11", "points": "1"}


def current(data: dict[str, Any], key: str) -> Any:
    return tile(data, key)["current"]["value"]


def views(app: Flask) -> int:
    with app.extensions["lrs"].host.read() as session:
        return session.scalar(select(func.count()).select_from(View))


def test_a_filtered_dashboard_is_read_from_its_view_until_the_next_evaluation(
    program: Flask, reader: dict[str, str]
) -> None:
    define(program, kpi("avg", "average_score"))
    client = program.test_client()
    first = get(client, reader, group="Pilot", **W41)
    # Pilot's scores in W41: .9, .5, .8, .7, .4.
    assert current(first, "avg") == 66.0 and first["computed"] is not None
    assert views(program) == 1
    ingest(program, [attempt("P4", M1, "2026-10-09T09:00", 1.0)])  # a late result
    again = get(client, reader, group="Pilot", **W41)
    assert (current(again, "avg"), again["computed"]) == (66.0, first["computed"])
    assert evaluate_store(program.extensions["lrs"].host, 1)[1] == 1
    refreshed = get(client, reader, group="Pilot", **W41)
    assert current(refreshed, "avg") == round(100 * 4.3 / 6, 2)
    assert refreshed["computed"] > first["computed"]
    # Other filters are other views, each computed from the rollups as they are now.
    assert current(get(client, reader, group="Control", **W41), "avg") == round(100 * 2.25 / 4, 2)
    assert views(program) == 2


def test_a_changed_kpi_is_never_shown_from_an_old_view(
    program: Flask, reader: dict[str, str]
) -> None:
    define(program, first_pass("pass-rate"))
    client = program.test_client()
    assert tile(get(client, reader, group="Pilot", **W41), "pass-rate")["current"]["target"] == 85
    define(program, first_pass("pass-rate", target={"op": ">=", "value": 40}))
    changed = tile(get(client, reader, group="Pilot", **W41), "pass-rate")["current"]
    assert (changed["target"], changed["status"]) == (40, "on_track")


def test_a_change_to_a_group_drops_the_recorded_views(
    program: Flask, reader: dict[str, str]
) -> None:
    define(program, first_pass("pass-rate"))
    client = program.test_client()
    assert get(client, reader, group="Pilot", **W41)["people_in_scope"] == 4
    add_members(program.extensions["lrs"], actor="test", name="Pilot", employee_ids=["C1"])
    deliver(program)  # the administrative action reaches the plugin
    assert views(program) == 0
    widened = get(client, reader, group="Pilot", **W41)
    # C1 failed M1 at the first attempt: 2 of 5 passed.
    assert (widened["people_in_scope"], current(widened, "pass-rate")) == (5, 40.0)


def test_a_new_assignment_drops_the_recorded_views(program: Flask, reader: dict[str, str]) -> None:
    define(program, first_pass("pass-rate"))
    host = program.extensions["lrs"].host
    assign = {"activities": [M1], "program": "Onboarding", "due": "2026-10-31"}
    host.create_assignment(1, {"person": "P1", **assign}, actor="test")
    client = program.test_client()
    assert get(client, reader, program="Onboarding", **W41)["people_in_scope"] == 1
    host.create_assignment(1, {"person": "P2", **assign}, actor="test")
    deliver(program)
    assert get(client, reader, program="Onboarding", **W41)["people_in_scope"] == 2


def test_each_manager_has_their_own_view(program: Flask) -> None:
    host = program.extensions["lrs"].host
    define(program, first_pass("pass-rate"))
    filters = Filters(period="week", at=date(2026, 10, 11), points=1)

    def seen_by(*people: str) -> dict[str, Any]:
        return dashboard(
            host, 1, filters, PeopleInView(everyone=False, employee_ids=frozenset(people))
        )

    first = seen_by("P1", "P2")  # P1 passed M1 at the first attempt, P2 did not
    assert (first["people_in_scope"], current(first, "pass-rate")) == (2, 50.0)
    other = seen_by("P1", "P3")
    assert (other["people_in_scope"], current(other, "pass-rate")) == (2, 100.0)
    assert current(seen_by("P1", "P2"), "pass-rate") == 50.0
    assert views(program) == 2


def test_views_are_kept_per_store(program: Flask, reader: dict[str, str]) -> None:
    host = program.extensions["lrs"].host
    define(program, first_pass("pass-rate"))
    get(program.test_client(), reader, group="Pilot", **W41)
    with host.write() as session:
        other = create_tenant(session, "acme").id
    # The same filters in another store: its own people (it has no group "Pilot").
    with pytest.raises(KpiError, match="Pilot"):
        dashboard(host, other, Filters(group="Pilot", period="week", at=date(2026, 10, 11)))


def test_views_nobody_asked_for_lately_are_dropped(program: Flask, reader: dict[str, str]) -> None:
    host = program.extensions["lrs"].host
    define(program, first_pass("pass-rate"))
    get(program.test_client(), reader, group="Pilot", **W41)
    assert evaluate_store(host, 1)[1] == 1
    with host.write() as session:
        session.execute(update(View).values(requested_us=View.requested_us - 15 * 86_400_000_000))
    assert evaluate_store(host, 1)[1] == 0
    assert views(program) == 0


@pytest.mark.parametrize("days", ["-1", "3651", "9" * 20])
def test_a_bad_view_days_stops_start_up(
    make_kpi_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    """Up to ten years: its cut-off in microseconds must fit the database's integer."""
    monkeypatch.setenv("LRS_PLUGIN_KPI_VIEW_DAYS", days)
    with pytest.raises(PluginError,
                       match="LRS_PLUGIN_KPI_VIEW_DAYS must be a whole number of days from 0 to"):
        make_kpi_app()


def test_a_view_dropped_while_the_evaluator_computed_it_stays_dropped(program: Flask) -> None:
    host = program.extensions["lrs"].host
    view = {"filters": {"group": "Pilot"}, "viewer": None}
    # What refresh_views writes after computing a view the directory change dropped.
    record(host, 1, view, date(2026, 10, 11), "definitions", [], {"P1"}, refreshing=True)
    assert views(program) == 0
    record(host, 1, view, date(2026, 10, 11), "definitions", [], {"P1"})
    record(host, 1, view, date(2026, 10, 12), "definitions", [], {"P2"}, refreshing=True)
    kept = read(host, 1, view, date(2026, 10, 12), "definitions")
    assert kept is not None and kept.people == {"P2"}
