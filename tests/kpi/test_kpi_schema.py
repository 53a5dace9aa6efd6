"""The kpi branch's migration creates exactly the tables its models declare, and a bad
``LRS_PLUGIN_KPI_EVALUATE_SECONDS`` stops start-up naming the variable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from lrs.plugin.host import PluginError
from plugins.kpi.models import Base


def test_the_migration_matches_the_models(kpi_app: Flask) -> None:
    with kpi_app.extensions["lrs"].db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # the early warning's tables (kpi_warning_*) have models of their own: test_warning_schema
    assert [d for d in diffs if "kpi_" in repr(d) and "kpi_warning_" not in repr(d)] == []


def test_a_bad_evaluation_interval_stops_start_up(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_KPI_EVALUATE_SECONDS", "soon")
    with pytest.raises(PluginError, match="LRS_PLUGIN_KPI_EVALUATE_SECONDS"):
        lrs_make_app(installed=["kpi"], database_url=fresh_database_url)
