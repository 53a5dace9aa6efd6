"""The early-warning migration creates exactly the tables its models declare, and a bad
``LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS`` stops start-up naming the variable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy.exc import IntegrityError

from lrs.plugin.host import PluginError
from plugins.kpi.warning_models import Base
from tests.kpi.warning_program import *  # noqa: F403 (its fixtures)


def test_the_migration_matches_the_models(kpi_app: Flask) -> None:
    engine = kpi_app.extensions["lrs"].db.engine
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if "kpi_warning_" in repr(d)] == []


@pytest.mark.parametrize("value", ["-1", "soon", "1.5"])
def test_a_bad_throttle_stops_start_up(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", value)
    with pytest.raises(PluginError, match="LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS"):
        lrs_make_app(installed=["kpi"], database_url=fresh_database_url)


def test_a_person_has_one_active_flag_per_rule(kpi_app: Flask) -> None:
    from plugins.kpi.warning_models import Flag

    host = kpi_app.extensions["lrs"].host

    def flag(status: str) -> Flag:
        return Flag(
            tenant_id=1,
            employee_id="L1",
            rule="inactive",
            status=status,
            reason="r",
            facts="{}",
            as_of="2026-03-01",
            opened_us=1,
            updated_us=1,
        )

    with host.write() as session:
        session.add_all([flag("resolved"), flag("resolved"), flag("dismissed")])
    with pytest.raises(IntegrityError), host.write() as session:
        session.add(flag("open"))
