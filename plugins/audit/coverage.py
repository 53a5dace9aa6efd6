"""Does the trail cover the stored statements? Re-hash them against their entries.

The chain proves the entries were not altered; it says nothing of the
``statements`` table itself, nor of a statement whose delivery to the trail
failed. Each ``statement.stored`` entry records the SHA-256 of the statement's
JSON text as stored, so :func:`check_statements` reads every stored statement
(streamed through :meth:`lrs.plugin.host.Host.stored_statement_texts`) and reports:

* a statement stored without an entry (its delivery failed, was dead-lettered
  or has not happened yet: ``lrs outbox list`` says which),
* a statement whose text no longer has the recorded hash (edited),
* an entry whose statement is gone (deleted).

Erasure (docs/erasure.md) legitimately deletes or redacts statements: it records
their ids (``statements.erased``, in the erasure's transaction), and a statement
recorded before such an entry (or, for older erasures, before a ``person.erased``
of its actor) is not reported. Voiding changes a column, not the stored text, so it needs no excuse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.audit.chain import Problem
from plugins.audit.models import AuditEntry

_STATEMENT_ACTIONS = ("statement.stored", "statement.voided")
_PREFIX = "statement:"


@dataclass
class _Recorded:
    seq: int
    sha256: str | None
    person: str | None


def _recorded(session: Session) -> tuple[dict[tuple[int, str], _Recorded], dict[str, int]]:
    """Each statement's entry by (tenant, id), and the seq of each erasure by pseudonym
    (``person.erased``) and by statement id (``statements.erased``)."""
    entries: dict[tuple[int, str], _Recorded] = {}
    erased: dict[str, int] = {}
    rows = session.execute(
        select(
            AuditEntry.seq,
            AuditEntry.tenant_id,
            AuditEntry.action,
            AuditEntry.dedupe_key,
            AuditEntry.target,
            AuditEntry.person,
            AuditEntry.after,
            AuditEntry.details,
        )
        .where(AuditEntry.action.in_((*_STATEMENT_ACTIONS, "person.erased", "statements.erased")))
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    for seq, tenant_id, action, dedupe_key, target, person, after, details in rows:
        if action == "person.erased":
            erased[target.removeprefix("person:sha256:")] = seq
        elif action == "statements.erased":
            ids = json.loads(details)
            erased.update(dict.fromkeys(ids["deleted"] + ids["redacted"], seq))
        elif dedupe_key.startswith(_PREFIX):
            fingerprint = json.loads(after).get("sha256") if after else None
            entries[tenant_id, dedupe_key[len(_PREFIX) :]] = _Recorded(seq, fingerprint, person)
    return entries, erased


def _erased_since(statement_id: str, recorded: _Recorded, erased: dict[str, int]) -> bool:
    """Whether an erasure recorded after the statement deleted or redacted it (by its
    id, or by its actor for erasures recorded before ``statements.erased`` existed)."""
    if erased.get(statement_id, 0) > recorded.seq:
        return True
    if recorded.person is None:
        return False
    return erased.get(hashlib.sha256(recorded.person.encode()).hexdigest(), 0) > recorded.seq


def check_statements(
    session: Session,
    stored: Iterable[tuple[int, str, str]],
    last_seq: int,
    tenant_id: int | None = None,
) -> list[Problem]:
    """Problems between the stored statements and their entries (none when covered).

    :param stored: ``(tenant_id, statement id, JSON text)`` of every stored statement.
    :param last_seq: the chain's last entry: an unrecorded statement is reported
        just after it, where its entry is missing.
    :param tenant_id: name only this store's statements; other stores' problems
        are counted, not named (an HTTP caller sees its own store only).
    """
    entries, erased = _recorded(session)
    problems: list[Problem] = []
    hidden = 0

    def report(owner: int, seq: int, statement: str, message: str) -> None:
        nonlocal hidden
        if tenant_id is None or owner == tenant_id:
            problems.append(Problem(seq, message, statement))
        else:
            hidden += 1

    for owner, statement_id, text in stored:
        recorded = entries.pop((owner, statement_id), None)
        if recorded is None:
            report(
                owner,
                last_seq + 1,
                statement_id,
                (
                    f"statement {statement_id} is stored but has no audit entry "
                    "(its delivery to the trail failed or is pending: see `lrs outbox list`)"
                ),
            )
        elif (
            recorded.sha256 is not None
            and hashlib.sha256(text.encode()).hexdigest() != recorded.sha256
            and not _erased_since(statement_id, recorded, erased)
        ):
            report(
                owner,
                recorded.seq,
                statement_id,
                (
                    f"statement {statement_id} was changed in the statements table: it no "
                    f"longer has the SHA-256 recorded in entry {recorded.seq}"
                ),
            )
    for (owner, statement_id), recorded in entries.items():
        if not _erased_since(statement_id, recorded, erased):
            report(
                owner,
                recorded.seq,
                statement_id,
                (
                    f"statement {statement_id} recorded in entry {recorded.seq} is no longer "
                    "stored (deleted from the statements table)"
                ),
            )
    if hidden:
        problems.append(
            Problem(
                last_seq + 1,
                (
                    f"{hidden} statements of other stores are not covered by the trail "
                    "(changed, deleted or never recorded)"
                ),
            )
        )
    return problems
