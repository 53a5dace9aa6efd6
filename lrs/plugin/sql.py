"""SQL helpers for plugins' own queries, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, String, Table, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TableValuedAlias

from lrs.store.bulk import any_of, dialect_insert, unnested


def one_of(
    session: Session, column: ColumnElement[Any], values: Collection[str] | Collection[int]
) -> ColumnElement[bool]:
    """``column IN values`` with ``values`` (strings, or integers for an integer column)
    bound as ONE parameter however many they are: an array of the column's type on
    PostgreSQL (``= ANY``), a JSON array read by ``json_each`` on SQLite.

    A population of thousands of people is then filtered by the database, through the
    index on ``column``, rather than every row of a period read to keep theirs in Python,
    and the statement's text is the same for every count (an ``IN`` list is a bound
    parameter a value, expanded into new SQL text for each count).
    """
    if session.get_bind().dialect.name == "postgresql":
        return any_of(session, column, values)
    return column.in_(select(listed(session, values).c.value))


def listed(session: Session, values: Collection[str]) -> TableValuedAlias:
    """``values`` (strings) as a one-column table, ``value``, bound as ONE parameter:
    ``unnest`` of an array on PostgreSQL, ``json_each`` of a JSON array on SQLite.

    For an ``INSERT ... SELECT`` of many values (with ``ON CONFLICT DO NOTHING
    RETURNING``, it says which were new) whose text is the same for every count:
    a multi-row ``VALUES`` is new SQL text for each count, which psycopg parses
    again (a sixth of what delivering 100-statement events cost the KPI rollups).
    """
    if session.get_bind().dialect.name == "postgresql":
        return unnested(String(), values)
    return func.json_each(literal(json.dumps(list(values)), String)).table_valued("value")


def insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` in the session's dialect, for its
    ``on_conflict_do_update`` / ``on_conflict_do_nothing``: an upsert, or an insert
    that redelivery makes a no-op, in one statement on SQLite and PostgreSQL alike."""
    return dialect_insert(session, table)
