"""The raw PostgreSQL ceilings of ``python -m bench.requests``: what the database alone does.

Weft's ingest cannot beat PostgreSQL committing the same rows from the same number
of connections without it, so that is the yardstick for its throughput: a table
shaped like ``statements`` (a serial key, the tenant and statement id with their
unique index, the JSON text, the stored time and verb with their indexes), filled
by plain psycopg connections, on the same durable cluster as Weft (same WAL, same
``fsync``). A single row is one ``INSERT`` and one ``COMMIT``; a batch is one
``INSERT ... SELECT FROM unnest(...)`` of all its rows (one array per column, in
binary, the way ``lrs.store.bulk`` inserts statements) and one ``COMMIT``. On the
development machine ``COPY`` took about a fifth more rows/s than that and
``executemany`` (one INSERT per row on the server) about a third fewer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from bench.ingest import BodyFactory, Throughput, drive

TABLE = "bench_raw_statements"
COLUMNS = "tenant_id, statement_id, payload, stored_us, verb_id"
_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        pk bigserial PRIMARY KEY, tenant_id integer NOT NULL,
        statement_id varchar(36) NOT NULL, payload text NOT NULL,
        stored_us bigint NOT NULL, verb_id text NOT NULL)""",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_id ON {TABLE} (tenant_id, statement_id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_stored ON {TABLE} (tenant_id, stored_us, pk)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_verb ON {TABLE} (tenant_id, verb_id, stored_us, pk)",
)

Row = tuple[int, str, str, int, str]
_INSERT_MANY = (
    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT * FROM "
    "unnest(%b::int4[], %b::text[], %b::text[], %b::int8[], %b::text[])"
)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL of the benchmark's database as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_table(url: str) -> None:
    """The ceiling's table, beside Weft's in the same database."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        for sql in _SCHEMA:
            connection.execute(sql)


class RawSession:
    """One psycopg connection committing rows: a :class:`bench.ingest.Session`."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url)

    def send(self, rows: list[Row]) -> str | None:
        try:
            if len(rows) == 1:
                self.connection.execute(
                    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s)", rows[0]
                )
            else:
                self.connection.execute(
                    _INSERT_MANY, [list(column) for column in zip(*rows, strict=True)]
                )
            self.connection.commit()
        except psycopg.Error as error:
            self.connection.rollback()
            return repr(error)
        return None

    def close(self) -> None:
        self.connection.close()


def measure_rows(
    url: str, factory: BodyFactory, *, batch: int, concurrency: int, seconds: float
) -> Throughput:
    """Rows/s committed by ``concurrency`` connections, ``batch`` rows per transaction."""
    dsn = libpq_url(url)

    def rows() -> tuple[list[Row], int]:
        stored = time.time_ns() // 1000
        return [
            (1, statement_id, payload, stored, verb)
            for statement_id, payload, verb in factory.statements(batch)
        ], batch

    open_session: Callable[[], RawSession] = lambda: RawSession(dsn)  # noqa: E731
    return drive(open_session, rows, concurrency=concurrency, stop_after=seconds)
