"""What erasing one person does to a statement: nothing, remove them from it, or delete it.

Pure rules over statement JSON (no database), applied by :mod:`lrs.store.erasure`.
docs/erasure.md explains the choices; in short:

* a statement that records what the person did or what was done to them (they
  are the actor, the object Agent, the only member of an anonymous actor or
  object Group, or the same inside a SubStatement) is **deleted**;
* a statement that is someone else's record and merely names the person (as
  instructor, in a team or context agents/groups, as one member of a Group of
  several) is **kept with the person removed** from it, so that the other
  people's training history survives;
* where the person fills a place a stored statement cannot leave empty (its
  ``authority``, or the actor of a voiding statement that voids someone else's
  statement), the anonymous :data:`ERASED_AGENT` takes that place;
* a signed statement that would have to be changed is deleted instead: its
  signature embeds the original statement, person included, and could no
  longer be verified anyway.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import Any

from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.signatures import is_signature
from lrs.xapi.voiding import is_voiding

#: Stands in for an erased person where a statement needs an Agent (never a real IFI).
ERASED_AGENT: dict[str, Any] = {
    "objectType": "Agent",
    "name": "erased person",
    "account": {"homePage": "urn:weft:erased", "name": "erased"},
}


def person_keys(agent: dict[str, Any]) -> frozenset[str]:
    """Every canonical key under which ``agent`` may be stored.

    An ``mbox`` also matches the ``mbox_sha1sum`` of that address (xAPI defines
    it as the SHA-1 of the ``mailto:`` IRI): both name the same person.

    :raises ValueError: the agent has no Inverse Functional Identifier.
    """
    key = agent_ifi_key(agent)
    if not key:
        raise ValueError("the agent needs one of mbox, mbox_sha1sum, openid, account")
    keys = {key}
    mbox = agent.get("mbox")
    if isinstance(mbox, str):
        keys.add("mbox_sha1sum:" + hashlib.sha1(mbox.encode(), usedforsecurity=False).hexdigest())
    return frozenset(keys)


def pseudonym(agent: dict[str, Any]) -> str:
    """``person:sha256:<hex>`` of the agent's canonical key: names an erasure, never the person.

    Whoever knows the identifier can recompute it (to answer "was I erased?");
    the trail itself holds no address.
    """
    return "person:sha256:" + hashlib.sha256(agent_ifi_key(agent).encode()).hexdigest()


class Outcome(Enum):
    UNTOUCHED = "untouched"
    REDACTED = "redacted"
    DELETED = "deleted"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    #: The statement to keep, for :attr:`Outcome.REDACTED`.
    statement: dict[str, Any] | None = None


_GONE = object()


def redact(statement: dict[str, Any], keys: frozenset[str]) -> Verdict:
    """What erasing the person known by ``keys`` does to ``statement`` (left unchanged)."""
    redactor = _Redactor(keys)
    kept = copy.deepcopy(statement)
    if not redactor.statement(kept, top=True):
        return Verdict(Outcome.DELETED)
    if not redactor.changed:
        return Verdict(Outcome.UNTOUCHED)
    if _signed(statement):
        return Verdict(Outcome.DELETED)
    return Verdict(Outcome.REDACTED, kept)


class _Redactor:
    """Walks one statement, removing the person in place; ``changed`` says if it did."""

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self.changed = False

    def statement(self, statement: dict[str, Any], *, top: bool) -> bool:
        """Redact ``statement`` in place; ``False`` when it must be deleted."""
        actor = self.actor(statement.get("actor"))
        if actor is _GONE:
            if not (top and is_voiding(statement)):
                return False
            # The person voided another's statement: the voiding stays, they do not.
            statement["actor"] = copy.deepcopy(ERASED_AGENT)
        else:
            statement["actor"] = actor
        obj = statement.get("object")
        if isinstance(obj, dict):
            kind = obj.get("objectType", "Activity")
            if kind in ("Agent", "Group"):
                kept = self.actor(obj)
                if kept is _GONE:
                    return False
                statement["object"] = kept
            elif kind == "SubStatement" and not self.statement(obj, top=False):
                return False
        self.context(statement)
        if top and statement.get("authority") is not None:
            authority = self.actor(statement["authority"])
            statement["authority"] = (copy.deepcopy(ERASED_AGENT) if authority is _GONE
                                      else authority)
        return True

    def actor(self, value: Any) -> Any:
        """The Agent or Group without the person: ``_GONE`` when nothing of it remains."""
        if not isinstance(value, dict):
            return value
        if agent_ifi_key(value) in self.keys:
            self.changed = True
            return _GONE
        members = value.get("member")
        if not isinstance(members, list):
            return value
        kept = [m for m in members if not (isinstance(m, dict)
                                           and agent_ifi_key(m) in self.keys)]
        if len(kept) == len(members):
            return value
        self.changed = True
        if not kept and not agent_ifi_key(value):
            return _GONE  # an anonymous Group of the person alone is the person
        group = dict(value)
        if kept:
            group["member"] = kept
        else:
            del group["member"]
        return group

    def context(self, statement: dict[str, Any]) -> None:
        context = statement.get("context")
        if not isinstance(context, dict):
            return
        for place in ("instructor", "team"):
            if place in context:
                kept = self.actor(context[place])
                if kept is _GONE:
                    del context[place]
                else:
                    context[place] = kept
        for place, field in (("contextAgents", "agent"), ("contextGroups", "group")):
            items = context.get(place)
            if not isinstance(items, list):
                continue
            remaining = []
            for item in items:
                if isinstance(item, dict) and field in item:
                    kept = self.actor(item[field])
                    if kept is _GONE:
                        continue
                    item = {**item, field: kept}
                remaining.append(item)
            if remaining:
                context[place] = remaining
            else:
                del context[place]
        if not context:
            del statement["context"]


def _signed(statement: dict[str, Any]) -> bool:
    return any(isinstance(a, dict) and is_signature(a) for a in statement.get("attachments") or [])
