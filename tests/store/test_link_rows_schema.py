"""Core's migrations build exactly the tables its models declare, and the link tables'
foreign keys go (0016) and come back on a downgrade without a row left dangling."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.command import downgrade
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from lrs import migrations
from lrs.models import Base

LINK_TABLES = ("statement_agents", "statement_activities", "statement_target_keys")


@pytest.fixture
def engine(fresh_database_url: str) -> Engine:
    engine = create_engine(fresh_database_url)
    yield engine  # type: ignore[misc]
    engine.dispose()


def foreign_keys(engine: Engine, table: str) -> list[tuple[str, str]]:
    return [(key["referred_table"], (key.get("options") or {}).get("ondelete", ""))
            for key in inspect(engine).get_foreign_keys(table)]


def test_the_migrations_match_the_models(engine: Engine) -> None:
    migrations.upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_link_rows_lose_their_foreign_keys_and_a_downgrade_restores_them(
    engine: Engine,
) -> None:
    migrations.upgrade(engine, "0015")
    assert {table: foreign_keys(engine, table) for table in LINK_TABLES} == {
        table: [("statements", "CASCADE")] for table in LINK_TABLES}
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO statements (pk, tenant_id, statement_id, payload, stored_us, verb_id,"
            " voided) VALUES (7, 1, 'kept', '{}', 1, 'http://e.com/v', false)"))
        connection.execute(text("INSERT INTO statement_agents VALUES (7, 'mbox:a', false, 1)"))
    migrations.upgrade(engine)
    assert {table: foreign_keys(engine, table) for table in LINK_TABLES} == {
        table: [] for table in LINK_TABLES}
    with engine.begin() as connection:
        # Nothing stops a dangling row now (the store deletes link rows itself)...
        connection.execute(text("INSERT INTO statement_agents VALUES (8, 'mbox:b', false, 1)"))
    downgrade(migrations.alembic_config(engine), "0015")
    # ...and a downgrade drops it before the foreign key comes back.
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT statement_pk, agent_key FROM statement_agents")).all() == [(7, "mbox:a")]
    assert {table: foreign_keys(engine, table) for table in LINK_TABLES} == {
        table: [("statements", "CASCADE")] for table in LINK_TABLES}
