"""A batch's statement rows and link rows, and their one-statement INSERT on PostgreSQL.

A single posted statement used to cost PostgreSQL five or six round trips before
its commit: a SELECT for stored ids, the statement's INSERT, one INSERT per link
table (agents, activities, StatementRef keys) and the canonical activities'
SELECT. On PostgreSQL :func:`insert_statement_rows` sends the statements and
their link rows as one statement of data-modifying CTEs, which also returns the
stored definitions of the batch's activities: the statements go in
with ``ON CONFLICT DO NOTHING`` (an id already stored is skipped, and its link
rows with it, since they join on the ids the INSERT returned), every column
travels as one binary array (``unnest``, as :mod:`lrs.store.bulk` does), and the
text never changes, so psycopg prepares it once per connection. The caller
checks the skipped ids afterwards (:func:`lrs.store.statements.store_statements`).

The batches' ``statements_stored`` events can ride along too (:class:`BatchEvents`):
an outbox row per batch, written only if every statement of its batch was. Sent on
their own, they were a round trip and a statement more for every group of
concurrent POSTs, inside the group's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from lrs.models import (
    OutboxEvent,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementTargetKey,
)
from lrs.store.bulk import any_of


@dataclass
class StatementRows:
    """What a batch writes. Link rows name their statement by id (its pk is not known
    before the INSERT)."""

    tenant_id: int
    stored_us: int
    credential_id: int | None
    #: (statement_id, payload, verb_id, registration, ref_statement_id, attachment_sha2s)
    statements: list[tuple[Any, ...]] = field(default_factory=list)
    #: (statement_id, agent_key, related)
    agents: list[tuple[str, str, bool]] = field(default_factory=list)
    #: (statement_id, activity_id, related)
    activities: list[tuple[str, str, bool]] = field(default_factory=list)
    #: (statement_id, kind, value)
    keys: list[tuple[str, str, str]] = field(default_factory=list)
    #: (voiding statement id, id of the statement it voids) of each voiding statement.
    voided: list[tuple[str, str]] = field(default_factory=list)
    #: Each statement's Activity objects, for the canonical definitions.
    activity_objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


#: The columns of :attr:`StatementRows.statements`, in order.
STATEMENT_ARRAY_COLUMNS = (
    "statement_id",
    "payload",
    "verb_id",
    "registration",
    "ref_statement_id",
    "attachment_sha2s",
)
#: Link tables: (table, its columns after ``statement_pk``, the rows' attribute, and
#: whether the rows carry the batch's ``stored_us``).
_LINKS = (
    (StatementAgent.__table__, ("agent_key", "related"), "agents", True),
    (StatementActivity.__table__, ("activity_id", "related"), "activities", True),
    (StatementTargetKey.__table__, ("kind", "value"), "keys", False),
)


def delete_statements(session: Session, tenant_id: int, pks: Collection[int]) -> None:
    """Delete the statements ``pks`` of ``tenant_id`` and their link rows.

    The link tables hold no foreign key that would cascade (see
    :mod:`lrs.models.statements`), so every deletion of statements comes here.
    """
    connection = session.connection()
    for table, *_ in _LINKS:
        connection.execute(delete(table).where(any_of(session, table.c.statement_pk, pks)))
    statements = Statement.__table__
    connection.execute(delete(statements).where(
        statements.c.tenant_id == tenant_id, any_of(session, statements.c.pk, pks)))


@dataclass
class BatchEvents:
    """Outbox events to insert with the statements, one per batch at most: each goes in
    only if every statement of its batch did (an id already stored is checked by the
    caller first, whose event then goes in the usual way)."""

    #: The batch number of each row of :attr:`StatementRows.statements`, in order.
    batch_of: list[int] = field(default_factory=list)
    #: Each event's hook, JSON payload, batch number and that batch's statement count.
    hooks: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Inserted:
    """What :func:`insert_statement_rows` returns."""

    #: The pk of each statement inserted, by id (ids already stored are left out).
    pk_of: dict[str, int]
    #: The stored canonical definition (JSON text) of each activity of the batch that
    #: had one, read as the statement began, for
    #: :func:`lrs.store.canonical_activities.upsert_activities`.
    definitions: dict[str, str]


def insert_statement_rows(session: Session, rows: StatementRows,
                          events: BatchEvents | None = None) -> Inserted:
    """INSERT every row in one statement (PostgreSQL), which also reads the batch's
    canonical activity definitions and writes the ``events`` of the batches it
    inserted whole. Ids already stored are left out, with their link rows."""
    params: dict[str, Any] = {
        "tenant_id": rows.tenant_id,
        "stored_us": rows.stored_us,
        "credential_id": rows.credential_id,
        "activity_ids": list(
            {a["id"]: None for objects in rows.activity_objects.values() for a in objects}
        ),
    }
    for i, values in enumerate(
        zip(*rows.statements, strict=True)
        if rows.statements
        else [()] * len(STATEMENT_ARRAY_COLUMNS)
    ):
        params[f"s{i}"] = list(values)
    for n, (_, _, attribute, _) in enumerate(_LINKS):
        links = getattr(rows, attribute)
        for i, values in enumerate(zip(*links, strict=True) if links else [(), (), ()]):
            params[f"l{n}_{i}"] = list(values)
    if events is not None:
        params.update(e_of=events.batch_of, e_hook=events.hooks, e_payload=events.payloads,
                      e_batch=events.batches, e_size=events.sizes)
    # Driver SQL: the ``b`` placeholders are psycopg's (binary); errors are still
    # wrapped by SQLAlchemy and the session's transaction is used.
    inserted = Inserted({}, {})
    for key, pk, definition in session.connection().exec_driver_sql(
            _sql(events is not None), params):
        if pk is None:
            inserted.definitions[key] = definition
        else:
            inserted.pk_of[key] = pk
    return inserted


@lru_cache(maxsize=2)
def _sql(with_events: bool) -> str:
    dialect = postgresql.dialect()

    def array(table: Any, column: str, name: str) -> str:
        return f"CAST(%({name})b AS {table.c[column].type.compile(dialect)}[])"

    statements = Statement.__table__
    arrays = ", ".join(
        array(statements, column, f"s{i}") for i, column in enumerate(STATEMENT_ARRAY_COLUMNS)
    )
    ctes = [
        f"s AS (INSERT INTO statements (tenant_id, stored_us, credential_id, voided, "
        f"{', '.join(STATEMENT_ARRAY_COLUMNS)}) "
        f"SELECT CAST(%(tenant_id)s AS integer), CAST(%(stored_us)s AS bigint), "
        f"CAST(%(credential_id)s AS bigint), false, * FROM unnest({arrays}) "
        f"ON CONFLICT (tenant_id, statement_id) DO NOTHING RETURNING statement_id, pk)"
    ]
    for n, (table, columns, _, stored) in enumerate(_LINKS):
        link_arrays = ", ".join(
            [array(statements, "statement_id", f"l{n}_0")]
            + [array(table, column, f"l{n}_{i + 1}") for i, column in enumerate(columns)]
        )
        extra_column, extra_value = (
            (", stored_us", ", CAST(%(stored_us)s AS bigint)") if stored else ("", "")
        )
        ctes.append(
            f"l{n} AS (INSERT INTO {table.name} (statement_pk, {', '.join(columns)}"
            f"{extra_column}) SELECT s.pk, x.a, x.b{extra_value} FROM unnest({link_arrays}) "
            f"AS x(id, a, b) JOIN s ON s.statement_id = x.id)"
        )
    if with_events:
        events = OutboxEvent.__table__
        ids = array(statements, "statement_id", "s0")
        ctes.append(
            f"e AS (INSERT INTO {events.name} (tenant_id, hook, payload, created_us, due_us) "
            f"SELECT CAST(%(tenant_id)s AS integer), x.hook, x.payload, "
            f"CAST(%(stored_us)s AS bigint), CAST(%(stored_us)s AS bigint) "
            f"FROM unnest({array(events, 'hook', 'e_hook')}, "
            f"{array(events, 'payload', 'e_payload')}, CAST(%(e_batch)b AS integer[]), "
            f"CAST(%(e_size)b AS integer[])) AS x(hook, payload, batch, size) "
            f"WHERE x.size = (SELECT count(*) FROM s JOIN unnest({ids}, "
            f"CAST(%(e_of)b AS integer[])) AS m(id, batch) ON m.id = s.statement_id "
            f"WHERE m.batch = x.batch))"
        )
    # The activities' definitions ride along (a round trip less), told apart by their
    # NULL pk; the SELECT sees them as they were when the statement began.
    return (
        f"WITH {', '.join(ctes)} SELECT statement_id, pk, CAST(NULL AS text) FROM s "
        f"UNION ALL SELECT activity_id, NULL, definition FROM activities "
        f"WHERE tenant_id = CAST(%(tenant_id)s AS integer) "
        f"AND activity_id = ANY(CAST(%(activity_ids)b AS text[]))"
    )
