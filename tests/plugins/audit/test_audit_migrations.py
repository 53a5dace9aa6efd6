"""The audit branch's migrations keep the entries of a trail recorded before them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from lrs.db import create_db_engine
from lrs.migrations import upgrade
from lrs.settings import Settings
from plugins.audit import register_migrations
from tests.conftest import TEST_SECRET_KEY

ENTRY = ("INSERT INTO audit_entries (seq, tenant_id, recorded_us, occurred_us, actor, action, "
         "target, details, dedupe_key, prev_hash, hash) VALUES (:seq, 1, 5, 7, 'cli:x', "
         "'statement.stored', 'statement:a', '{}', 'statement:a', :prev, :hash)")


def test_tenant_time_index_replaces_the_unique_dedupe_key_and_keeps_entries(
    fresh_database_url: str,
) -> None:
    engine = create_db_engine(Settings.from_env({}, database_url=fresh_database_url,
                                                secret_key=TEST_SECRET_KEY))
    locations = [str(Path(p)) for p in register_migrations()]
    upgrade(engine, "audit_0002", locations=locations)
    with engine.begin() as connection:
        connection.execute(text(ENTRY), {"seq": 1, "prev": "0" * 64, "hash": "1" * 64})
    upgrade(engine, "heads", locations=locations)

    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes(
        "audit_entries")}
    assert indexes["ix_audit_entries_tenant_time"] == ["tenant_id", "occurred_us"]
    assert "ix_audit_entries_occurred_us" not in indexes
    assert not inspect(engine).get_unique_constraints("audit_entries")
    with engine.begin() as connection:
        # What the unique index refused is the chain's look-up's to skip now.
        connection.execute(text(ENTRY), {"seq": 2, "prev": "1" * 64, "hash": "2" * 64})
        assert connection.scalar(text("SELECT count(*) FROM audit_entries")) == 2
    engine.dispose()
