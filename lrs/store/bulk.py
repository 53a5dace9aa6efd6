"""Bulk writes that cost one round trip per table, whatever the number of rows.

psycopg's ``executemany`` still runs one INSERT per row on the server, and a
multi-row ``VALUES`` list is new SQL text for every batch size (parsed and planned
each time). On PostgreSQL, rows that need nothing back are loaded with ``COPY``
(:func:`_copy`). Rows whose generated keys come back (``RETURNING``) are sent
as one array per column and expanded with ``unnest``: a single statement whose
text never changes, so psycopg prepares it once per connection. The arrays
travel in PostgreSQL's binary format (psycopg's ``%(name)b`` placeholders): the
text format quotes and backslash-escapes every element with a regex in Python,
which for JSON payloads full of quotes cost more than all the rest of the insert
(~75 µs a statement, against under 1 µs). SQLite runs in-process, where
``executemany`` (or SQLAlchemy's multi-row "insertmanyvalues" when rows come
back) is the fast path: the driver's own for plain columns (:func:`_executemany`).

Look-ups by many keys are the same story read the other way: :func:`any_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import ColumnElement, Table, TypeDecorator, any_, func, insert, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Values per statement of a chunked operation (an IN list, an executemany): SQLite
#: allows 32,766 bound parameters, and no chunked row binds more than a few dozen.
CHUNK = 1000


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in consecutive lists of at most ``size``."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def bulk_insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Collection[tuple[Any, ...]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (tuples in ``columns`` order); the ``returning`` columns of each row.

    Returned rows come in no particular order: callers match them by a unique column.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        if dialect.name == "sqlite" and not returning and _plain_types(table, tuple(columns)):
            _executemany(session, table, columns, rows)
            return []
        statement = insert(table)
        if returning:
            statement = statement.returning(*(table.c[name] for name in returning))
        result = session.execute(
            statement, [dict(zip(columns, row, strict=True)) for row in rows]
        )
        return [tuple(row) for row in result] if returning else []
    if not returning:
        if len(rows) <= _FEW:
            _insert_few(session, table, columns, rows)
        else:
            _copy(session, table, columns, rows)
        return []
    arrays = ", ".join(
        f"CAST(%(c{i})b AS {table.c[name].type.compile(dialect)}[])"
        for i, name in enumerate(columns)
    )
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    columns_of_rows = zip(*rows, strict=True)
    # Driver SQL, so that SQLAlchemy leaves the ``b`` placeholders to psycopg; errors
    # are still wrapped (IntegrityError etc.) and the session's transaction is used.
    result = session.connection().exec_driver_sql(
        sql, {f"c{i}": list(values) for i, values in enumerate(columns_of_rows)}
    )
    return [tuple(row) for row in result] if returning else []


def dialect_insert(session: Session, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_*`` on PostgreSQL and SQLite."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


#: Up to this many rows, an INSERT costs less than a COPY: a single statement (the
#: agents, activities and keys of one posted statement) spared a COPY's setup
#: round trips about 80 µs a table on PostgreSQL.
_FEW = 3


def _insert_few(session: Session, table: Table, columns: Sequence[str],
                rows: Collection[tuple[Any, ...]]) -> None:
    """A few rows in one INSERT whose text depends only on the table and columns, so
    psycopg prepares it once per connection (``executemany`` pipelines the rows)."""
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    driver = session.connection().connection.driver_connection
    try:
        with driver.cursor() as cursor:
            cursor.executemany(sql, list(rows))
    except driver.Error as exc:
        raise DBAPIError.instance(sql, None, exc, driver.Error) from exc


def _copy(session: Session, table: Table, columns: Sequence[str],
          rows: Collection[tuple[Any, ...]]) -> None:
    """``COPY ... FROM STDIN``: PostgreSQL's bulk load, rows formatted by psycopg's C code.

    When every column's type is known (:func:`_plain_types`), psycopg picks each
    column's dumper once and the rows travel in PostgreSQL's binary format, which
    both sides handle faster than text: 1 µs less in Python and about as much in
    PostgreSQL for an audit entry's 16 columns.

    Building one array per column costs psycopg a Python call per value (17 µs a
    row for the audit trail's 15 columns); COPY has no such step and no
    statement for PostgreSQL to parse. psycopg's errors are wrapped as
    SQLAlchemy's (``IntegrityError``...), as ``execute`` would have wrapped them.
    """
    connection = session.connection()
    types = _plain_types(table, tuple(columns))
    sql = (f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
           + (" (FORMAT BINARY)" if types else ""))
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    except driver.Error as exc:
        raise DBAPIError.instance(sql, None, exc, driver.Error) from exc


def _executemany(session: Session, table: Table, columns: Sequence[str],
                 rows: Collection[tuple[Any, ...]]) -> None:
    """SQLite's own ``executemany``, for rows of plain columns (see :func:`_plain_types`).

    SQLAlchemy's handling of each row's parameters cost more than SQLite's insert
    itself: 22 to 38 µs an audit entry, against 14 µs with the rows passed
    straight to the driver, which needs no conversion for integers, strings
    and booleans. Errors are wrapped as ``execute`` wraps them.
    """
    placeholders = ", ".join("?" * len(columns))
    session.connection().exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", list(rows))


#: Plain column types: their values need no conversion (see :func:`_plain_types`).
_PLAIN_TYPES = frozenset({"smallint", "integer", "bigint", "text", "varchar", "boolean"})


@lru_cache(maxsize=64)
def _plain_types(table: Table, columns: tuple[str, ...]) -> list[str] | None:
    """The PostgreSQL type of each column when all are plain, else ``None``.

    Plain rows go in by binary COPY with one dumper per column on PostgreSQL,
    and straight to the driver's :func:`_executemany` on SQLite.

    Without them psycopg looks up a dumper for every value of every row (2 µs of
    the audit trail's 16-column rows) and sends text. Plain means integers,
    strings and booleans, whose values psycopg dumps the same either way; any
    other type keeps text and a dumper per value, such as a JSON column given
    JSON text, which a JSON dumper would encode again.
    """
    dialect = postgresql.dialect()
    names = [table.c[name].type.compile(dialect).split("(")[0].lower() for name in columns]
    return names if _PLAIN_TYPES.issuperset(names) else None


def any_of(session: Session, column: ColumnElement[Any],
           values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN values``, sent to PostgreSQL as one array parameter.

    An IN list is a bind parameter per value and new SQL text for every count:
    for the 5,000 ids of an outbox batch psycopg spent 13 µs an id building and
    converting that query, against 3 µs for ``column = ANY(array)``, whose text
    never changes (so psycopg prepares it once per connection). The array goes
    in binary (:class:`_BinaryArray`), under 1 µs an id.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), _BinaryArrayOf(column.type)))
    return column.in_(values)


def unnested(column_type: Any, values: Collection[Any]) -> Any:
    """``unnest(values)`` as a one-column table (``value``), ``values`` sent to PostgreSQL
    as one binary array parameter (see :func:`any_of`)."""
    values_array = literal(list(values), _BinaryArrayOf(column_type))
    return func.unnest(values_array).table_valued("value").render_derived()


class _BinaryArray(list):  # type: ignore[type-arg]
    """A list psycopg sends in PostgreSQL's binary array format.

    A plain list of strings goes as text, which psycopg quotes element by
    element with a regular expression: 2.5 µs an element, against 0.3 µs here.
    """


psycopg.adapters.register_dumper(_BinaryArray, ListBinaryDumper)


class _BinaryArrayOf(TypeDecorator):  # type: ignore[type-arg]
    """``ARRAY`` whose bound lists are :class:`_BinaryArray` (SQLAlchemy's makes plain lists)."""

    impl = postgresql.ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        items = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        return lambda value: None if value is None else _BinaryArray(
            items(value) if items else value)
