"""Erasing one person from one store: plan what goes, then do it in the caller's transaction.

The plan is read first (:func:`plan_erasure`), so that a dry run reports exactly
what an erasure would do, and the erasure (:func:`apply_erasure`) then costs a
constant number of SQL statements per kind of row (IN lists in chunks), never a
round trip per statement. What happens to each statement is decided by the pure
rules of :mod:`lrs.xapi.redaction`; docs/erasure.md says why.

Statements are found through the agent link table, which also holds the rows a
StatementRef inherits from its target, and then through ``ref_statement_id``:
a statement that refers to an erased statement (a voiding statement above all)
is erased with it, however many StatementRefs deep.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from lrs.models import Attachment, Document, Statement, StatementAgent
from lrs.store.bulk import CHUNK, chunks
from lrs.store.documents import Kind
from lrs.store.statement_rows import delete_statements
from lrs.xapi.redaction import Outcome, redact

#: Document kinds that belong to an agent (activity profiles belong to no one).
_PERSONAL_DOCUMENTS = {Kind.STATE.value: "state_documents",
                       Kind.AGENT_PROFILE.value: "agent_profiles"}

#: What each count of :meth:`ErasurePlan.counts` is, for people (command and web UI).
_COUNT_TITLES = {
    "statements_deleted": "statements deleted",
    "statements_redacted": "statements kept without the person",
    "state_documents": "state documents",
    "agent_profiles": "agent profile documents",
    "attachments": "attachments",
    "people": "people directory entries",
    "notifications": "notifications",
    "notifications_redacted": "notifications kept without the person",
    "notification_subscriptions": "notification subscriptions",
}


def count_titles(counts: dict[str, int]) -> list[tuple[str, str]]:
    """``(key, title)`` of each of an erasure's ``counts``, Weft's first, then the plugins'.

    A plugin's count ``"<plugin>.<name>"`` (:meth:`lrs.machinery.hooks.Hooks.erase_person`)
    reads ``"<plugin>: <name in words>"``.
    """
    plugins = [(key, key.replace(".", ": ", 1).replace("_", " "))
               for key in counts if key not in _COUNT_TITLES]
    return [*_COUNT_TITLES.items(), *plugins]


@dataclass
class ErasurePlan:
    """What erasing one person from one store removes and changes."""

    #: Statements deleted, by primary key (the person's, and those referring to them).
    deleted: dict[int, str] = field(default_factory=dict)
    #: Statements kept with the person removed: primary key → (id, the new payload).
    redacted: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Attachment hashes that no statement left in the store refers to.
    attachments: set[str] = field(default_factory=set)
    #: Documents by count key (``state_documents``, ``agent_profiles``).
    documents: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many of each kind: the ``details`` of the ``person.erased`` event."""
        return {"statements_deleted": len(self.deleted),
                "statements_redacted": len(self.redacted),
                "state_documents": self.documents.get("state_documents", 0),
                "agent_profiles": self.documents.get("agent_profiles", 0),
                "attachments": len(self.attachments)}

    def statement_ids(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The ids of the statements deleted, and of those redacted (for plugins)."""
        return (tuple(sorted(self.deleted.values())),
                tuple(sorted(statement_id for statement_id, _ in self.redacted.values())))


def plan_erasure(session: Session, tenant_id: int, keys: frozenset[str]) -> ErasurePlan:
    """Find everything of the person known by ``keys`` (:func:`~lrs.xapi.redaction.person_keys`).

    Reads only: a dry run is this and nothing else.
    """
    plan = ErasurePlan()
    sha2s: dict[int, str | None] = {}
    linked = select(StatementAgent.statement_pk).where(StatementAgent.agent_key.in_(keys))
    for pk, statement_id, payload, attachments in session.execute(
        select(Statement.pk, Statement.statement_id, Statement.payload,
               Statement.attachment_sha2s)
        .where(Statement.tenant_id == tenant_id, Statement.pk.in_(linked))
    ):
        verdict = redact(json.loads(payload), keys)
        if verdict.outcome is Outcome.DELETED:
            plan.deleted[pk] = statement_id
            sha2s[pk] = attachments
        elif verdict.outcome is Outcome.REDACTED:
            plan.redacted[pk] = (statement_id, json.dumps(
                verdict.statement, ensure_ascii=False, separators=(",", ":")))
    _add_referrers(session, tenant_id, plan, sha2s)
    plan.attachments = _unreferenced(session, tenant_id, plan,
                                     {s for value in sha2s.values() if value
                                      for s in value.split()})
    plan.documents = {
        _PERSONAL_DOCUMENTS[kind]: count
        for kind, count in session.execute(
            select(Document.kind, func.count())
            .where(*_personal_documents(tenant_id, keys)).group_by(Document.kind))
    }
    return plan


def apply_erasure(session: Session, tenant_id: int, keys: frozenset[str],
                  plan: ErasurePlan) -> None:
    """Carry out ``plan`` in ``session``'s transaction (all of it or, on error, nothing).

    Statements go with their link rows; the person's link rows on kept statements
    (redacted ones, and StatementRefs that inherited them) are deleted by key.
    """
    for pks in chunks(sorted(plan.deleted)):
        delete_statements(session, tenant_id, pks)
    if plan.redacted:
        table = Statement.__table__
        session.connection().execute(
            update(table).where(table.c.pk == bindparam("redacted_pk"))
            .values(payload=bindparam("redacted_payload")),
            [{"redacted_pk": pk, "redacted_payload": payload}
             for pk, (_, payload) in sorted(plan.redacted.items())])
    session.execute(delete(StatementAgent).where(
        StatementAgent.agent_key.in_(keys),
        StatementAgent.statement_pk.in_(
            select(Statement.pk).where(Statement.tenant_id == tenant_id))))
    session.execute(delete(Document).where(*_personal_documents(tenant_id, keys)))
    for hashes in chunks(sorted(plan.attachments)):
        session.execute(delete(Attachment).where(Attachment.tenant_id == tenant_id,
                                                 Attachment.sha2.in_(hashes)))


def _add_referrers(session: Session, tenant_id: int, plan: ErasurePlan,
                   sha2s: dict[int, str | None]) -> None:
    """Add to ``plan.deleted`` every statement that refers to one it deletes, transitively.

    One query per level of StatementRefs (voiding statements are one level).
    """
    frontier = list(plan.deleted.values())
    while frontier:
        found: list[str] = []
        for ids in chunks(frontier):
            for pk, statement_id, attachments in session.execute(
                select(Statement.pk, Statement.statement_id, Statement.attachment_sha2s)
                .where(Statement.tenant_id == tenant_id, Statement.ref_statement_id.in_(ids))
            ):
                if pk not in plan.deleted:
                    plan.deleted[pk] = statement_id
                    plan.redacted.pop(pk, None)
                    sha2s[pk] = attachments
                    found.append(statement_id)
        frontier = found


def _unreferenced(session: Session, tenant_id: int, plan: ErasurePlan,
                  candidates: set[str]) -> set[str]:
    """Those of ``candidates`` (hashes of deleted statements' attachments) that no kept
    statement of the store refers to.

    One pass over the store's statements that hold attachment content (few, next
    to all statements), streamed.
    """
    unused = set(candidates)
    if not unused:
        return unused
    for pk, attachments in session.execute(
        select(Statement.pk, Statement.attachment_sha2s)
        .where(Statement.tenant_id == tenant_id, Statement.attachment_sha2s.is_not(None))
        .execution_options(yield_per=CHUNK)
    ):
        if pk not in plan.deleted:
            unused -= set(attachments.split())
    return unused


def _personal_documents(tenant_id: int, keys: frozenset[str]) -> tuple[Any, ...]:
    return (Document.tenant_id == tenant_id, Document.kind.in_(list(_PERSONAL_DOCUMENTS)),
            Document.agent_key.in_(keys))

