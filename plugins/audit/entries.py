"""Turn the events Weft announces into audit entries: who did what to which target.

One entry per statement (a voiding statement is recorded as ``statement.voided``
against the statement it voids), one per document changed, one per admin
action. Each has a ``dedupe_key`` derived from the event's facts, so the same
event delivered twice appends once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec

from lrs.plugin.events import AdminActionTaken, DocumentsChanged, StatementsStored
from plugins.audit.chain import NewEntry, now_us

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def agent_key(agent: dict[str, Any] | None) -> str | None:
    """The canonical identity of an Agent, spelled as Weft spells it everywhere.

    ``mbox:mailto:a@b.c``, ``mbox_sha1sum:<hex>``, ``openid:<url>`` or
    ``account:<homePage>|<name>``; ``None`` for a Group without identifier.
    """
    if not agent:
        return None
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if agent.get(ifi):
            return f"{ifi}:{agent[ifi]}"
    account = agent.get("account")
    if account:
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


def person_key(text: str) -> str:
    """``--person`` as given (an email address or Agent JSON) to a canonical key."""
    text = text.strip()
    if text.startswith("{"):
        key = agent_key(json.loads(text))
        if key is None:
            raise ValueError("the agent has no identifier (mbox, mbox_sha1sum, openid, account)")
        return key
    return f"mbox:{text if text.startswith('mailto:') else 'mailto:' + text}"


@lru_cache(maxsize=256)
def _us(timestamp: str | None) -> int | None:
    """``timestamp`` in µs since the epoch; cached, as a batch's statements share ``stored``."""
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.timestamp() * 1_000_000)


def _credential_actor(credential_key: str | None, credential_id: int | None) -> str | None:
    """The credential that acted, by its public key when the event has it."""
    if credential_key:
        return f"credential:{credential_key}"
    if credential_id is not None:
        return f"credential-id:{credential_id}"
    return None


def _authority_actor(authority: msgspec.Raw | None) -> str:
    """Who acted when no credential is known: the statement's authority."""
    by = agent_key(msgspec.json.decode(authority)) if authority else None
    return f"authority:{by}" if by else "unknown"


class _Id(msgspec.Struct):
    id: str | None = None


class _Statement(msgspec.Struct):
    """What an entry records of a stored statement: decoding skips the rest unread.

    Stored statements passed validation, so these fields have these types.
    ``result`` and ``authority`` stay JSON text (``msgspec.Raw``), copied into
    the entry as stored.
    """

    id: str
    actor: dict[str, Any]
    verb: _Id
    object: _Id
    timestamp: str | None = None
    stored: str | None = None
    result: msgspec.Raw = None  # type: ignore[assignment]  # None when absent
    authority: msgspec.Raw = None  # type: ignore[assignment]


_decode_statement = msgspec.json.Decoder(_Statement).decode


def statement_entries(event: StatementsStored, texts: list[str]) -> list[NewEntry]:
    """One entry per stored statement (``texts``: their JSON as stored, in request order).

    Voiding statements become ``statement.voided`` entries against the statement
    they void. A stored statement's fingerprint is the SHA-256 of its JSON text
    as stored, which anyone can recompute from the ``statements`` table.
    """
    credential = _credential_actor(event.credential_key, event.credential_id)
    entries = []
    authority: msgspec.Raw = None  # type: ignore[assignment]
    details: dict[str, Any] = {}
    for text in texts:
        statement = _decode_statement(text)
        if not details or statement.authority != authority:
            # One object while the authority stays the same (a credential's batch):
            # the chain then encodes it once (see chain.append), and the actor it
            # names is worked out once.
            authority = statement.authority
            details = {"authority": authority, "credential_id": event.credential_id}
            actor = credential or _authority_actor(authority)
        voids = statement.verb.id == VOIDED
        target_id = statement.object.id
        entries.append(NewEntry(
            tenant_id=event.tenant_id,
            occurred_us=_us(statement.stored) or _us(statement.timestamp) or 0,
            actor=actor,
            action="statement.voided" if voids else "statement.stored",
            target=f"statement:{target_id if voids else statement.id}",
            dedupe_key=f"statement:{statement.id}", source=event.source,
            person=agent_key(statement.actor),
            activity=None if voids else target_id,
            before={"voided": False} if voids else None,
            after={"voided": True, "by": statement.id} if voids else {
                "statement": statement.id, "verb": statement.verb.id, "object": target_id,
                "timestamp": statement.timestamp, "stored": statement.stored,
                "result": statement.result,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            },
            details=details,
        ))
    return entries


def document_entries(event: DocumentsChanged) -> list[NewEntry]:
    """One entry per document; before/after are the ETags (the content's fingerprints)."""
    actor = _credential_actor(event.credential_key, event.credential_id) or "lrs"
    coordinates = "|".join(part or "" for part in (event.activity_id, event.agent_key,
                                                   event.registration))
    entries = []
    for index, document_id in enumerate(event.document_ids):
        before = event.etags_before[index] if index < len(event.etags_before) else None
        after = event.etags_after[index] if index < len(event.etags_after) else None
        target = f"{event.kind}:{coordinates}|{document_id}"
        entries.append(NewEntry(
            tenant_id=event.tenant_id, occurred_us=event.changed_us, actor=actor,
            action=f"document.{event.action}", target=target,
            dedupe_key=f"document:{target}:{event.changed_us}:{after}", source=event.source,
            person=event.agent_key, activity=event.activity_id,
            before={"etag": before} if before else None,
            after={"etag": after} if after else None,
            details={"operation": event.operation, "authority": event.authority},
        ))
    return entries


def admin_entry(event: AdminActionTaken) -> NewEntry:
    """The admin action as it came; ``before``/``after`` details become the entry's own."""
    details = dict(event.details)
    before, after = details.pop("before", None), details.pop("after", None)
    return NewEntry(
        tenant_id=event.tenant_id, occurred_us=event.occurred_us, actor=event.actor,
        action=event.action, target=event.target,
        dedupe_key=f"admin:{event.action}:{event.target}:{event.occurred_us}",
        source=event.source, before=before, after=after, details=details,
    )


def erased_statements_entry(tenant_id: int, deleted: tuple[str, ...],
                            redacted: tuple[str, ...]) -> NewEntry:
    """``statements.erased``: the ids an erasure deletes and redacts (ids, never a person).

    :mod:`plugins.audit.coverage` then knows those statements' changes are legitimate.
    """
    moment = now_us()
    return NewEntry(
        tenant_id=tenant_id, occurred_us=moment, actor="erasure", action="statements.erased",
        target="statements", dedupe_key=f"erasure:{moment}",
        details={"deleted": list(deleted), "redacted": list(redacted)},
    )
