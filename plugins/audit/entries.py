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
from typing import Any

from lrs.events import AdminActionTaken, DocumentsChanged, StatementsStored
from lrs.host import StoredStatement
from plugins.audit.chain import NewEntry

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


def _us(timestamp: str | None) -> int | None:
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


def statement_entries(event: StatementsStored,
                      statements: list[StoredStatement]) -> list[NewEntry]:
    """One entry per stored statement; voiding statements become ``statement.voided``.

    A stored statement's fingerprint is the SHA-256 of its JSON text as stored,
    which anyone can recompute from the ``statements`` table.
    """
    credential = _credential_actor(event.credential_key, event.credential_id)
    entries = []
    details: dict[str, Any] = {}
    for statement in statements:
        if not details or details["authority"] != statement.get("authority"):
            # One object while the authority stays the same (a credential's batch):
            # the chain then encodes it once (see chain.append).
            details = {"authority": statement.get("authority"),
                       "credential_id": event.credential_id}
        target_object = statement.get("object", {})
        voids = statement["verb"]["id"] == VOIDED
        if credential:
            actor = credential
        else:
            authority = agent_key(statement.get("authority"))
            actor = f"authority:{authority}" if authority else "unknown"
        summary = {
            "statement": statement["id"], "verb": statement["verb"]["id"],
            "object": target_object.get("id"), "timestamp": statement.get("timestamp"),
            "stored": statement.get("stored"), "result": statement.get("result"),
            "sha256": hashlib.sha256(statement.json.encode()).hexdigest(),
        }
        entries.append(NewEntry(
            tenant_id=event.tenant_id,
            occurred_us=_us(statement.get("stored")) or _us(statement.get("timestamp")) or 0,
            actor=actor,
            action="statement.voided" if voids else "statement.stored",
            target=f"statement:{target_object.get('id') if voids else statement['id']}",
            dedupe_key=f"statement:{statement['id']}", source=event.source,
            person=agent_key(statement.get("actor")),
            activity=None if voids else target_object.get("id"),
            before={"voided": False} if voids else None,
            after={"voided": True, "by": statement["id"]} if voids else summary,
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
