"""Storing statements: one transaction per batch, a constant number of SQL statements.

A batch of N statements costs a constant number of round trips, whatever N is:
round trips, not Python, bound ingestion speed. On PostgreSQL the statements and
their link rows go in first, as one statement that skips ids already stored
(:mod:`lrs.store.statement_rows`), and only skipped ids are then looked up to
tell a retry (skipped) from a conflict (409, the batch's rows deleted again).
Elsewhere one SELECT looks for stored ids first, then one INSERT per table
(:mod:`lrs.store.bulk`). Either way one SELECT reads StatementRef targets (only
when the batch has any). Rows are plain tuples, never ORM objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lrs.models import (
    Attachment,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementTargetKey,
)
from lrs.models.types import iso_milliseconds
from lrs.store.bulk import any_of, bulk_insert, dialect_insert
from lrs.store.canonical_activities import upsert_activities
from lrs.store.statement_index import mentions, registration_of
from lrs.store.statement_rows import (
    BatchEvents,
    StatementRows,
    delete_statements,
    insert_statement_rows,
)
from lrs.xapi.equivalence import equivalent
from lrs.xapi.errors import BadRequest, Conflict, ErrorDetail, XapiError
from lrs.xapi.json_values import decode_stored, encode_storable
from lrs.xapi.multipart import AttachmentPart
from lrs.xapi.versions import XapiVersion
from lrs.xapi.voiding import VOIDED_VERB, is_voiding, statement_ref_target

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_STATEMENT_COLUMNS = (
    "tenant_id", "statement_id", "payload", "stored_us", "verb_id", "registration",
    "ref_statement_id", "voided", "credential_id", "attachment_sha2s",
)

#: ``version`` given to statements that do not state one, by request version.
DEFAULT_STATEMENT_VERSION = {XapiVersion.V1_0_3: "1.0.0", XapiVersion.V2_0_0: "2.0.0"}


@dataclass(frozen=True)
class StoredBatch:
    """What storing a batch did: every id in request order, and how many were new.

    ``new`` is less than ``len(ids)`` when some were already stored with the
    same content (a retry, a re-import): those are skipped, not stored twice.
    """

    ids: list[str]
    new: int
    #: Its event (``announce``'s) went in with its statements (PostgreSQL, a batch
    #: none of whose ids was stored already): the caller has nothing to enqueue.
    announced: bool = False
    #: The ``stored`` time of its new statements, in µs since the epoch (``None``
    #: when none was new): taken before the commit that made them visible.
    stored_us: int | None = None


#: ``announce(ids)``: the ``(hook, JSON payload)`` of the outbox event announcing a batch
#: of these ids (in request order), or ``None`` for none. The event is written with
#: the batch's rows when it can be (see :attr:`StoredBatch.announced`).
Announce = Callable[[list[str]], tuple[str, str] | None]


def store_statements(
    session: Session,
    *,
    tenant_id: int,
    statements: list[dict[str, Any]],
    authority: dict[str, Any],
    credential_id: int | None,
    version: XapiVersion,
    attachments: dict[str, AttachmentPart] | None = None,
    announce: Announce | None = None,
) -> StoredBatch:
    """Store a batch, all or nothing; return the statement ids in request order.

    ``statements`` are validated statements. A statement whose id is already
    stored is skipped when it is equivalent (a retry) and refused with 409 when
    it is not; the same id twice in one batch is a 400.

    :raises Conflict: an id is stored with a different statement (nothing of the
        batch is left stored).
    :raises BadRequest: an id repeats within the batch.
    """
    stored_us, stored_iso = _now()
    prepared = [
        _prepare(s, stored_iso, authority, DEFAULT_STATEMENT_VERSION[version])
        for s in statements
    ]
    parts = attachments or {}
    if session.get_bind().dialect.name == "postgresql":
        (outcome,) = _insert_first(session, tenant_id, credential_id,
                                   [(statements, prepared, announce)], parts, stored_us)
        if isinstance(outcome, XapiError):
            raise outcome
        return outcome
    ids = [p["id"] for p in prepared]
    _refuse_repeated_ids(ids)
    existing = _existing(session, tenant_id, ids)
    for index, statement_id in enumerate(ids):
        stored = existing.get(statement_id)
        if stored is not None and not equivalent(stored, statements[index]):
            raise _conflict(index, statement_id)
    new = [statement for statement in prepared if statement["id"] not in existing]
    if not new:
        return StoredBatch(ids, 0)
    rows = _rows(session, tenant_id, new, stored_us, credential_id, parts)
    _insert_rows(session, rows)
    _finish(session, tenant_id, rows, new, parts, None)
    return StoredBatch(ids, len(new), stored_us=stored_us)


def store_together(session: Session, batches: list[dict[str, Any]]
                   ) -> list[StoredBatch | XapiError]:
    """Store several requests' batches in ``session``'s transaction, each all or nothing
    with its own outcome (what :func:`store_statements` returns, or the error it raises).

    Each batch is a dict of :func:`store_statements`' keyword arguments. On PostgreSQL,
    batches that can be told apart after one INSERT (:func:`_joinable`) go in as one
    INSERT statement, sharing one ``stored`` time, instead of one statement each:
    concurrent single-statement POSTs (:mod:`lrs.services.group_commit`) then cost the
    database, and the process, about what one batch of them costs. Other batches are
    stored one after the other.
    """
    if len(batches) > 1 and session.get_bind().dialect.name == "postgresql":
        stored_us, stored_iso = _now()
        prepared = [
            [_prepare(s, stored_iso, batch["authority"],
                      DEFAULT_STATEMENT_VERSION[batch["version"]]) for s in batch["statements"]]
            for batch in batches
        ]
        if _joinable(batches, prepared):
            first = batches[0]  # the tenant and credential of every batch
            return _insert_first(
                session, first["tenant_id"], first["credential_id"],
                [(batch["statements"], statements, batch.get("announce"))
                 for batch, statements in zip(batches, prepared, strict=True)],
                {}, stored_us)
    outcomes: list[StoredBatch | XapiError] = []
    for batch in batches:
        try:
            outcomes.append(store_statements(session, **batch))
        except XapiError as exc:  # the batch left nothing written
            outcomes.append(exc)
    return outcomes


def _joinable(batches: list[dict[str, Any]], prepared: list[list[dict[str, Any]]]) -> bool:
    """Whether one INSERT can take every batch and still give each its own outcome:
    one tenant and credential (the INSERT's constants), no id in two batches (a
    batch refused with 409 deletes its rows, which another batch must not rely on),
    no attachments and no StatementRefs (whose targets may be in another batch)."""
    first = batches[0]
    seen: set[str] = set()
    for batch, statements in zip(batches, prepared, strict=True):
        if (batch["tenant_id"] != first["tenant_id"]
                or batch["credential_id"] != first["credential_id"]
                or batch.get("attachments")
                or any(statement_ref_target(s) for s in statements)):
            return False
        ids = {s["id"] for s in statements}
        if not seen.isdisjoint(ids):
            return False
        seen |= ids
    return True


def _insert_first(
    session: Session, tenant_id: int, credential_id: int | None,
    batches: list[tuple[list[dict[str, Any]], list[dict[str, Any]], Announce | None]],
    parts: dict[str, AttachmentPart], stored_us: int,
) -> list[StoredBatch | XapiError]:
    """PostgreSQL: the batches' statements (each batch as posted and as prepared, and its
    ``announce``) in one INSERT statement with their link rows and events, skipping ids
    already stored; only the (rare) skipped ones are checked afterwards, batch by batch.
    A batch's outcome is its :class:`StoredBatch`, or the error refusing it (nothing of
    it left stored). The canonical activities of the batches kept then merge in their
    order."""
    outcomes: list[StoredBatch | XapiError | None] = [None] * len(batches)
    for index, (_, statements, _) in enumerate(batches):
        try:
            _refuse_repeated_ids([s["id"] for s in statements])
        except BadRequest as exc:
            outcomes[index] = exc
    kept = [index for index, outcome in enumerate(outcomes) if outcome is None]
    if kept:
        rows = _rows(session, tenant_id, [s for index in kept for s in batches[index][1]],
                     stored_us, credential_id, parts)
        events = _events(batches, kept)
        inserted = insert_statement_rows(session, rows, events)
        new: list[dict[str, Any]] = []
        for index in kept:
            posted, statements, _ = batches[index]
            ids = [s["id"] for s in statements]
            pk_of = {i: inserted.pk_of[i] for i in ids if i in inserted.pk_of}
            if len(pk_of) < len(ids):
                try:
                    _check_skipped(session, tenant_id, posted, ids, pk_of)
                except Conflict as exc:  # its rows are deleted again
                    outcomes[index] = exc
                    continue
            new += [s for s in statements if s["id"] in pk_of]
            announced = events is not None and index in events.batches and len(pk_of) == len(ids)
            outcomes[index] = StoredBatch(ids, len(pk_of), announced,
                                          stored_us if pk_of else None)
        if new:
            _finish(session, tenant_id, rows, new, parts, inserted.definitions)
    return [outcome for outcome in outcomes if outcome is not None]


def _events(batches: list[tuple[list[dict[str, Any]], list[dict[str, Any]], Announce | None]],
            kept: list[int]) -> BatchEvents | None:
    """The events of the ``kept`` batches that announce one, numbered by batch index."""
    events = BatchEvents()
    for index in kept:
        _, statements, announce = batches[index]
        events.batch_of += [index] * len(statements)
        row = announce([s["id"] for s in statements]) if announce is not None else None
        if row is not None:
            hook, payload = row
            events.hooks.append(hook)
            events.payloads.append(payload)
            events.batches.append(index)
            events.sizes.append(len(statements))
    return events if events.batches else None


def _conflict(index: int, statement_id: str) -> Conflict:
    return Conflict(
        f"statement {statement_id} is already stored with different content",
        errors=[ErrorDetail(f"$[{index}].id", "already stored with different content")],
    )


def _check_skipped(session: Session, tenant_id: int, statements: list[dict[str, Any]],
                   ids: list[str], pk_of: dict[str, int]) -> None:
    """The ids the INSERT skipped are stored already: each must hold an equivalent
    statement, else the batch's rows are deleted again (their link rows with them)
    and it is refused, as if it had been checked before writing."""
    skipped = [statement_id for statement_id in ids if statement_id not in pk_of]
    existing = _existing(session, tenant_id, skipped)
    for index, statement_id in enumerate(ids):
        stored = existing.get(statement_id)
        if stored is not None and not equivalent(stored, statements[index]):
            if pk_of:
                delete_statements(session, tenant_id, list(pk_of.values()))
            raise _conflict(index, statement_id)


@dataclass
class _Target:
    """A stored StatementRef target: what its referrers inherit for filtering."""

    verb_id: str
    registration: str | None
    agents: set[tuple[str, bool]] = field(default_factory=set)
    activities: set[tuple[str, bool]] = field(default_factory=set)
    keys: set[tuple[str, str]] = field(default_factory=set)


def _rows(
    session: Session,
    tenant_id: int,
    statements: list[dict[str, Any]],
    stored_us: int,
    credential_id: int | None,
    parts: dict[str, AttachmentPart],
) -> StatementRows:
    """Every row the batch's statements need, link rows keyed by statement id."""
    found = [mentions(s) for s in statements]
    refs = [statement_ref_target(s) for s in statements]
    targets = _targets(session, tenant_id, {r for r in refs if r})
    rows = StatementRows(tenant_id, stored_us, credential_id)
    for statement, ref, mention in zip(statements, refs, found, strict=True):
        statement_id = statement["id"]
        registration = registration_of(statement)
        rows.statements.append((
            statement_id,
            encode_storable(statement),
            statement["verb"]["id"],
            registration,
            ref,
            " ".join(
                a["sha2"].lower() for a in _attachments(statement) if a["sha2"].lower() in parts
            ) or None,
        ))
        rows.activity_objects[statement_id] = mention.activity_objects
        agents, activities, keys = set(mention.agents), set(mention.activities), set()
        target = targets.get(ref) if ref else None
        if target is not None:
            agents |= target.agents
            activities |= target.activities
            keys |= target.keys | {("verb", target.verb_id)}
            if target.registration:
                keys.add(("registration", target.registration))
            if is_voiding(statement) and target.verb_id != VOIDED_VERB:
                rows.voided.append((statement_id, ref))  # type: ignore[arg-type]
        rows.agents.extend((statement_id, key, related) for key, related in _once(agents))
        rows.activities.extend((statement_id, a, related) for a, related in _once(activities))
        rows.keys.extend((statement_id, kind, value) for kind, value in keys)
        # Later statements of this batch may target this one.
        targets.setdefault(statement_id, _Target(
            statement["verb"]["id"], registration, agents, activities, keys
        ))
    return rows


def _once(mentioned: set[tuple[str, bool]]) -> set[tuple[str, bool]]:
    """One link row per agent or activity: a plain mention makes a related one of the
    same agent or activity redundant (``related_*=true`` finds plain rows too), and
    queries join the link rows, so a second row would return the statement twice."""
    return {(key, related) for key, related in mentioned
            if not related or (key, False) not in mentioned}


def _insert_rows(session: Session, rows: StatementRows) -> None:
    """The rows through :func:`bulk_insert`, a table at a time (every backend but PostgreSQL)."""
    statement_rows = [
        (rows.tenant_id, statement_id, payload, rows.stored_us, verb_id, registration, ref,
         False, rows.credential_id, sha2s)
        for statement_id, payload, verb_id, registration, ref, sha2s in rows.statements
    ]
    # Ids are unique within the batch: they map the returned pks back to rows.
    pk_of = dict(bulk_insert(session, Statement.__table__, _STATEMENT_COLUMNS, statement_rows,
                             returning=("statement_id", "pk")))
    # Agent and activity link rows carry the statement's stored time (their index's order).
    for table, columns, links in (
        (StatementAgent, ("statement_pk", "agent_key", "related", "stored_us"), rows.agents),
        (StatementActivity, ("statement_pk", "activity_id", "related", "stored_us"),
         rows.activities),
    ):
        bulk_insert(session, table.__table__, columns,
                    [(pk_of[statement_id], *rest, rows.stored_us)
                     for statement_id, *rest in links])
    bulk_insert(session, StatementTargetKey.__table__, ("statement_pk", "kind", "value"),
                [(pk_of[statement_id], *rest) for statement_id, *rest in rows.keys])


def _finish(session: Session, tenant_id: int, rows: StatementRows,
            new: list[dict[str, Any]], parts: dict[str, AttachmentPart],
            definitions: dict[str, str] | None) -> None:
    """What follows the inserts: voiding, canonical activities (``definitions``: as
    stored, if already read), attachment bytes; for the ``new`` statements only (a
    statement skipped as stored already did its part when it was stored)."""
    new_ids = {statement["id"] for statement in new}
    voided = [target for voiding, target in rows.voided if voiding in new_ids]
    if voided:
        table = Statement.__table__
        session.connection().execute(update(table).where(
            table.c.tenant_id == tenant_id, any_of(session, table.c.statement_id, voided)
        ).values(voided=True))
    upsert_activities(session, tenant_id, (
        activity for statement in new for activity in rows.activity_objects[statement["id"]]),
        stored=definitions)
    _store_attachments(session, tenant_id, parts)


def _targets(session: Session, tenant_id: int, ids: set[str]) -> dict[str, _Target]:
    """Stored statements the batch references, with what referrers inherit from them."""
    if not ids:
        return {}
    targets: dict[str, _Target] = {}
    by_pk: dict[int, _Target] = {}
    for pk, statement_id, verb_id, registration in session.execute(
        select(Statement.pk, Statement.statement_id, Statement.verb_id, Statement.registration)
        .where(Statement.tenant_id == tenant_id, any_of(session, Statement.statement_id, ids))
    ):
        targets[statement_id] = by_pk[pk] = _Target(verb_id, registration)
    if not by_pk:
        return targets
    for pk, key, related in session.execute(
        select(StatementAgent.statement_pk, StatementAgent.agent_key, StatementAgent.related)
        .where(StatementAgent.statement_pk.in_(list(by_pk)))
    ):
        by_pk[pk].agents.add((key, related))
    for pk, activity_id, related in session.execute(
        select(StatementActivity.statement_pk, StatementActivity.activity_id,
               StatementActivity.related)
        .where(StatementActivity.statement_pk.in_(list(by_pk)))
    ):
        by_pk[pk].activities.add((activity_id, related))
    for pk, kind, value in session.execute(
        select(StatementTargetKey.statement_pk, StatementTargetKey.kind, StatementTargetKey.value)
        .where(StatementTargetKey.statement_pk.in_(list(by_pk)))
    ):
        by_pk[pk].keys.add((kind, value))
    return targets


def _store_attachments(
    session: Session, tenant_id: int, parts: dict[str, AttachmentPart]
) -> None:
    """Attachment bytes, deduplicated by hash (a hash already held is left as it is).

    Rows go in key order, so concurrent batches lock shared keys in the same order
    and cannot deadlock each other.
    """
    if not parts:
        return
    session.execute(
        dialect_insert(session, Attachment).on_conflict_do_nothing(
            index_elements=["tenant_id", "sha2"]
        ),
        [{"tenant_id": tenant_id, "sha2": p.sha2, "content_type": p.content_type,
          "content": p.content} for p in sorted(parts.values(), key=lambda p: p.sha2)],
    )


def stored_payloads(session: Session, tenant_id: int, ids: Collection[str]) -> dict[str, str]:
    """The JSON text stored for each of ``ids`` that is stored (one SELECT), by id.

    ``ids`` are lower-case, as statement ids are stored.
    """
    table = Statement.__table__
    # Through the session's Core connection: the ORM's row handling cost the outbox
    # a few µs for each of a batch's thousands of statements, for two plain columns.
    return dict(session.connection().execute(  # type: ignore[arg-type]
        select(table.c.statement_id, table.c.payload).where(
            table.c.tenant_id == tenant_id, any_of(session, table.c.statement_id, ids))
    ).all())


def every_payload(session: Session, *, batch: int = 1000) -> Iterable[tuple[int, str, str]]:
    """``(tenant_id, statement id, JSON text)`` of every stored statement, in stored order.

    Streamed ``batch`` rows at a time (server-side cursor): a store's statements
    are read end to end by integrity checks, and memory must stay flat.
    """
    table = Statement.__table__
    rows = session.connection().execution_options(stream_results=True, yield_per=batch).execute(
        select(table.c.tenant_id, table.c.statement_id, table.c.payload).order_by(table.c.pk))
    yield from rows  # Rows unpack as the tuples they are


def _existing(session: Session, tenant_id: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Statements already stored under any of ``ids``."""
    return {statement_id: decode_stored(payload)
            for statement_id, payload in stored_payloads(session, tenant_id, ids).items()}


def _prepare(
    statement: dict[str, Any], stored: str, authority: dict[str, Any], default_version: str
) -> dict[str, Any]:
    """The statement as it will be returned: id, stored, authority, version, timestamp."""
    prepared = dict(statement)
    prepared["id"] = str(statement.get("id") or uuid.uuid4()).lower()
    prepared.setdefault("timestamp", stored)
    prepared["stored"] = stored
    prepared["authority"] = authority
    prepared.setdefault("version", default_version)
    return prepared


def _refuse_repeated_ids(ids: list[str]) -> None:
    seen: set[str] = set()
    for index, statement_id in enumerate(ids):
        if statement_id in seen:
            raise BadRequest(
                f"statement id {statement_id} appears more than once in the batch",
                errors=[ErrorDetail(f"$[{index}].id", "repeats an earlier statement's id")],
            )
        seen.add(statement_id)


def _attachments(statement: dict[str, Any]) -> Iterable[dict[str, Any]]:
    holders = [statement]
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        holders.append(obj)
    for holder in holders:
        for attachment in holder.get("attachments") or []:
            if isinstance(attachment, dict) and isinstance(attachment.get("sha2"), str):
                yield attachment


def _now() -> tuple[int, str]:
    """``stored`` for a batch: milliseconds (what the JSON shows is what queries compare)."""
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    return (now - _EPOCH) // timedelta(microseconds=1), iso_milliseconds(now)
