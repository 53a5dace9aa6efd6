"""Reading statements: single lookups, filtered pages and streaming exports.

Results are ordered by ``(stored_us, pk)`` and paged by keyset: the cursor is the
last row's ``(stored_us, pk)``, so a ``more`` link keeps returning the same next
page while new statements arrive (an OFFSET would shift). Filters map to indexed
columns or to the link tables filled at insert time; no query parses JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, or_, select, tuple_
from sqlalchemy.orm import Session

from lrs.db import connection_of
from lrs.models import (
    Attachment,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementTargetKey,
)
from lrs.xapi.multipart import AttachmentPart


@dataclass(frozen=True)
class StatementQuery:
    """The filters of ``GET statements`` (Communication 2.1.3), already validated."""

    agent: str | None = None
    """IFI key (see :func:`lrs.xapi.validate.agent_ifi_key`) of the ``agent`` filter."""
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since_us: int | None = None
    until_us: int | None = None
    ascending: bool = False
    #: Only statements stored by this credential (``statements/read/mine``).
    credential_id: int | None = None
    #: Voided statements too: exports keep the whole record (queries never do, Data 2.3.2).
    include_voided: bool = False


@dataclass(frozen=True)
class StoredStatement:
    """One result row: the exact JSON and what the HTTP layer needs around it."""

    pk: int
    stored_us: int
    payload: str
    attachment_sha2s: tuple[str, ...]

    @property
    def cursor(self) -> tuple[int, int]:
        return (self.stored_us, self.pk)


@dataclass(frozen=True)
class Page:
    statements: list[StoredStatement]
    #: Cursor of the last row when more rows follow, else ``None``.
    next_cursor: tuple[int, int] | None


_COLUMNS = (Statement.pk, Statement.stored_us, Statement.payload, Statement.attachment_sha2s)


#: ``statementId`` and ``voidedStatementId`` look-ups, built once (see ``get_statement``).
_BY_ID = select(*_COLUMNS).where(
    Statement.tenant_id == bindparam("tenant_id"),
    Statement.statement_id == bindparam("statement_id"),
    Statement.voided == bindparam("voided"),
)
_MINE_BY_ID = _BY_ID.where(Statement.credential_id == bindparam("credential_id"))


def get_statement(
    session: Session | Connection,
    tenant_id: int,
    statement_id: str,
    *,
    voided: bool,
    credential_id: int | None = None,
) -> StoredStatement | None:
    """The statement with this id if its voided state is ``voided`` (else ``None``).

    ``statementId`` never returns a voided statement and ``voidedStatementId``
    only returns voided ones (Data 2.3.2).
    """
    params = {"tenant_id": tenant_id, "statement_id": statement_id.lower(), "voided": voided}
    if credential_id is None:
        query = _BY_ID
    else:
        query, params["credential_id"] = _MINE_BY_ID, credential_id
    row = connection_of(session).execute(query, params).first()
    return _stored(row) if row else None


def find_page(
    session: Session | Connection,
    tenant_id: int,
    query: StatementQuery,
    *,
    limit: int,
    cursor: tuple[int, int] | None = None,
) -> Page:
    """One page of results after ``cursor``; fetches ``limit + 1`` rows to know if more follow."""
    statement = build_select(session, tenant_id, query, cursor=cursor).limit(limit + 1)
    rows = [_stored(row) for row in session.execute(statement)]
    if len(rows) > limit:
        return Page(rows[:limit], rows[limit - 1].cursor)
    return Page(rows, None)


def stream(
    session: Session, tenant_id: int, query: StatementQuery, *, batch: int = 1000
) -> Iterator[StoredStatement]:
    """Every matching statement, fetched ``batch`` rows at a time (server-side cursor).

    For exports: memory stays flat however many statements match.
    """
    statement = build_select(session, tenant_id, query).execution_options(
        yield_per=batch, stream_results=True
    )
    for row in session.execute(statement):
        yield _stored(row)


def build_select(
    session: Session | Connection,
    tenant_id: int,
    query: StatementQuery,
    *,
    cursor: tuple[int, int] | None = None,
) -> Select[Any]:
    """The SELECT for ``query`` (voided statements excluded, stored order)."""
    statement = select(*_COLUMNS).where(Statement.tenant_id == tenant_id)
    if not query.include_voided:
        statement = statement.where(Statement.voided.is_(False))
    if query.credential_id is not None:
        statement = statement.where(Statement.credential_id == query.credential_id)
    # Stored order: the statements' own, or that of the agent's or activity's link
    # rows, which carry it, so that their page is read from one index range in order.
    order: tuple[Any, Any] = (Statement.stored_us, Statement.pk)
    if query.agent is not None:
        statement, order = _join_link(statement, _AGENT_LINKS, query.agent, query.related_agents)
    if query.activity is not None:
        statement, order = _join_link(
            statement, _ACTIVITY_LINKS, query.activity, query.related_activities
        )
    if query.verb is not None:
        statement = statement.where(
            _own_or_inherited(session, Statement.verb_id, "verb", query.verb)
        )
    if query.registration is not None:
        statement = statement.where(
            _own_or_inherited(
                session, Statement.registration, "registration", query.registration.lower()
            )
        )
    stored, pk = order
    if query.since_us is not None:
        statement = statement.where(stored > query.since_us)
    if query.until_us is not None:
        statement = statement.where(stored <= query.until_us)
    key = tuple_(stored, pk)
    if query.ascending:
        if cursor is not None:
            statement = statement.where(key > tuple_(*cursor))
        return statement.order_by(stored, pk)
    if cursor is not None:
        statement = statement.where(key < tuple_(*cursor))
    return statement.order_by(stored.desc(), pk.desc())


#: (link rows joined, key column) per filter.
_AGENT_LINKS = (StatementAgent.__table__.alias("agent_link"), "agent_key")
_ACTIVITY_LINKS = (StatementActivity.__table__.alias("activity_link"), "activity_id")


def _join_link(
    statement: Select[Any], links: tuple[Any, str], value: str, related: bool
) -> tuple[Select[Any], tuple[Any, Any]]:
    """``statement`` joined to its link rows for ``value``, and their stored order.

    A statement has at most one link row per agent or activity (a related one only
    when it has no plain one, see :func:`lrs.store.statements._rows`), so the join
    returns each statement once.
    """
    link, key = links
    statement = statement.join(link, link.c.statement_pk == Statement.pk).where(
        link.c[key] == value
    )
    if not related:
        statement = statement.where(link.c.related.is_(False))
    return statement, (link.c.stored_us, link.c.statement_pk)


def _own_or_inherited(session: Session | Connection, column: Any, kind: str, value: str) -> Any:
    """``column = value``, or inherited from a StatementRef target (Communication 2.1.3).

    The OR keeps the planner off the column's index, so it is only added when some
    statement did inherit this value: one index probe decides.
    """
    inherited = and_(StatementTargetKey.kind == kind, StatementTargetKey.value == value)
    # The probe looks across tenants: it only chooses the query's shape, and the
    # rows it lets through are still limited to the caller's tenant by build_select.
    if not session.execute(select(exists().where(inherited))).scalar():
        return column == value
    return or_(
        column == value,
        Statement.pk.in_(select(StatementTargetKey.statement_pk).where(inherited)),
    )


def _stored(row: Any) -> StoredStatement:
    sha2s = tuple(row.attachment_sha2s.split()) if row.attachment_sha2s else ()
    return StoredStatement(row.pk, row.stored_us, row.payload, sha2s)


def load_attachments(
    session: Session | Connection, tenant_id: int, sha2s: set[str]
) -> list[AttachmentPart]:
    """Attachment contents for ``attachments=true`` answers (one SELECT)."""
    if not sha2s:
        return []
    rows = session.execute(
        select(Attachment.sha2, Attachment.content_type, Attachment.content).where(
            Attachment.tenant_id == tenant_id, Attachment.sha2.in_(sorted(sha2s))
        )
    )
    return [AttachmentPart(sha2, content_type, content) for sha2, content_type, content in rows]
