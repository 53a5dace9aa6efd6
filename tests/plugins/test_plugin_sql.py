"""``lrs.plugin.sql``: values bound as one parameter, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, literal, select, true

from lrs.models import Statement
from lrs.plugin.sql import insert, listed, one_of
from tests.plugins.conftest import runtime

SEEN = Table(
    "test_seen",
    MetaData(),
    Column("tenant_id", Integer, primary_key=True),
    Column("key", String(36), primary_key=True),
)


def test_listed_values_read_back_as_one_column(app: Flask) -> None:
    values = ["a", "b'; DROP TABLE x; --", "é", "a"]
    with runtime(app).db.read() as session:
        table = listed(session, values)
        assert sorted(session.scalars(select(table.c.value))) == sorted(values)
        assert list(session.scalars(select(table.c.value).where(table.c.value == "zz"))) == []


def test_an_insert_of_listed_values_returns_only_those_it_added(app: Flask) -> None:
    with runtime(app).db.write() as session:
        SEEN.create(session.connection())

    def mark(ids: list[str]) -> set[str]:
        with runtime(app).db.write() as session:
            values = listed(session, ids)
            return set(session.scalars(
                insert(session, SEEN)
                .from_select(["tenant_id", "key"],
                             select(literal(1), values.c.value).where(true()))
                .on_conflict_do_nothing()
                .returning(SEEN.c.key)))

    assert mark(["s1", "s2"]) == {"s1", "s2"}
    assert mark(["s2", "s3"]) == {"s3"}
    assert mark([]) == set()


def test_one_of_filters_by_every_value_given(app: Flask) -> None:
    with runtime(app).db.read() as session:
        column = Statement.__table__.c.statement_id
        query = select(column).where(one_of(session, column, ["x", "y"]))
        assert list(session.scalars(query)) == []


NUMBERED = Table(
    "test_numbered",
    MetaData(),
    Column("number", BigInteger, primary_key=True),
)


def test_one_of_finds_integers_by_an_integer_column(app: Flask) -> None:
    with runtime(app).db.write() as session:
        NUMBERED.create(session.connection())
        session.execute(NUMBERED.insert(), [{"number": n} for n in (1, 2, 2**40, 4, 5)])
    with runtime(app).db.read() as session:
        found = session.scalars(select(NUMBERED.c.number).where(
            one_of(session, NUMBERED.c.number, [2, 2**40, 5, 9])))
        assert sorted(found) == [2, 5, 2**40]
        assert list(session.scalars(select(NUMBERED.c.number).where(
            one_of(session, NUMBERED.c.number, [])))) == []
