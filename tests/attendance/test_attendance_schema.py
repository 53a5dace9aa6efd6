"""The attendance branch's migration creates exactly the tables its models declare, and a
bad ``LRS_PLUGIN_ATTENDANCE_*`` value stops start-up naming the variable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from lrs.plugin.host import PluginError
from plugins.attendance.models import Base


def test_the_migration_matches_the_models(att_app: Flask) -> None:
    engine = att_app.extensions["lrs"].db.engine
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Core's tables are not in these models: only differences naming ours count.
    ours = [d for d in diffs if "attendance_" in repr(d)]
    assert ours == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("THRESHOLD", "1.5"), ("NAME_SIMILARITY", "x"), ("GRACE_MINUTES", "-3"),
     ("GRACE_MINUTES", "\u00b2"), ("GRACE_MINUTES", "10081"),
     pytest.param("GRACE_MINUTES", "9" * 5000, id="GRACE_MINUTES-5000-digits")],
)
def test_a_bad_setting_stops_start_up(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(f"LRS_PLUGIN_ATTENDANCE_{name}", value)
    with pytest.raises(PluginError, match=f"LRS_PLUGIN_ATTENDANCE_{name}"):
        lrs_make_app(installed=["attendance"], database_url=fresh_database_url)
