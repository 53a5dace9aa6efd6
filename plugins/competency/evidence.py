"""Which statements are evidence for which competencies (docs/competency.md, "Evidence").

Pure: given a tenant's :class:`~plugins.competency.catalog.Catalog`, decoded
statements and the people their actors are, :func:`extract` returns evidence rows
and the ids of statements voided. Only the fields that matter are decoded
(``msgspec``), a tenth of a full parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from plugins.competency.catalog import DEFAULT_VERBS, NEGATIVE_VERBS, Catalog, Rule

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
#: Result extension naming the competencies a statement is evidence for: a URI or a list.
EXTENSION = "https://weft.dev/xapi/extensions/competency"
#: The account of the authority of the statements the plugin derives; they are never
#: evidence themselves (no loops).
AUTHORITY = {
    "objectType": "Agent",
    "name": "Weft competency",
    "account": {"homePage": "https://weft.dev/plugins", "name": "competency"},
}
DAY_US = 86_400_000_000
_DEFAULT, _NEGATIVE = frozenset(DEFAULT_VERBS), frozenset(NEGATIVE_VERBS)
#: Where a statement may name a competency in its context.
CONTEXT_KINDS = ("category", "grouping", "parent")


class _Id(msgspec.Struct):
    id: str | None = None


class _Definition(msgspec.Struct):
    type: str | None = None


class _Object(msgspec.Struct):
    id: str | None = None
    objectType: str | None = None
    definition: _Definition | None = None


class _Score(msgspec.Struct):
    scaled: float | None = None


class _Result(msgspec.Struct):
    success: bool | None = None
    score: _Score | None = None
    extensions: dict[str, Any] | None = None


class _Context(msgspec.Struct):
    contextActivities: dict[str, Any] | None = None


class _Account(msgspec.Struct):
    homePage: str | None = None
    name: str | None = None


class _Authority(msgspec.Struct):
    account: _Account | None = None


class Statement(msgspec.Struct):
    """What evidence needs of a stored statement; the rest is skipped unread."""

    id: str
    actor: dict[str, Any]
    verb: _Id
    object: _Object
    timestamp: str
    result: _Result | None = None
    context: _Context | None = None
    authority: _Authority | None = None


decode = msgspec.json.Decoder(Statement).decode


def is_derived(statement: Statement) -> bool:
    """Whether the plugin recorded ``statement`` itself (an assertion it derived)."""
    account = statement.authority.account if statement.authority else None
    mine = AUTHORITY["account"]
    return bool(account and account.homePage == mine["homePage"] and account.name == mine["name"])


def agent_key(agent: dict[str, Any]) -> str | None:
    """The identity of an Agent actor (``None`` for a Group: it is no one person)."""
    if agent.get("objectType") == "Group":
        return None
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if ifi in agent:
            return f"{ifi}:{agent[ifi]}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


def microseconds(timestamp: str) -> int:
    moment = datetime.fromisoformat(timestamp)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _ids(activities: Any) -> list[str]:
    if isinstance(activities, dict):
        activities = [activities]
    if not isinstance(activities, list):
        return []
    return [a["id"] for a in activities if isinstance(a, dict) and isinstance(a.get("id"), str)]


@dataclass
class Extracted:
    """What a batch gives: evidence rows, voided statement ids, and what was skipped."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    #: Statements that could be evidence whose actor is no person of the directory.
    unresolved: int = 0


def _rule_evidence(rule: Rule, verb: str, result: _Result | None) -> bool | None:
    """Whether a statement matching ``rule``'s target counts for (True), against
    (False) or not at all (None)."""
    if verb in _NEGATIVE:
        return False
    if verb not in rule.verbs:
        return None
    success = result.success if result else None
    scaled = result.score.scaled if result and result.score else None
    if success is False:
        return False
    if rule.min_scaled is not None:
        if scaled is None:
            return None
        if scaled < rule.min_scaled:
            return False
    if rule.success_required and success is not True:
        return None
    return True


def _named(statement: Statement, catalog: Catalog) -> list[tuple[str, str]]:
    """``(competency, route)`` the statement names itself, first route first."""
    found: list[tuple[str, str]] = []
    if statement.object.id in catalog.competencies and statement.object.objectType in (
        None,
        "Activity",
    ):
        found.append((statement.object.id, "object"))
    activities = statement.context.contextActivities if statement.context else None
    if activities:
        for kind in CONTEXT_KINDS:
            found.extend(
                (uri, "context")
                for uri in _ids(activities.get(kind))
                if uri in catalog.competencies
            )
    extensions = statement.result.extensions if statement.result else None
    if extensions and EXTENSION in extensions:
        value = extensions[EXTENSION]
        for uri in value if isinstance(value, list) else [value]:
            if isinstance(uri, str) and uri in catalog.competencies:
                found.append((uri, "extension"))
    return found


def candidates(statement: Statement, catalog: Catalog) -> list[dict[str, Any]]:
    """The evidence ``statement`` gives, without the person: one per competency."""
    verb = statement.verb.id or ""
    obj = statement.object
    matched: list[Rule] = []
    if obj.objectType in (None, "Activity") and obj.id:
        matched.extend(catalog.by_activity.get(obj.id, ()))
        if obj.definition and obj.definition.type:
            matched.extend(catalog.by_type.get(obj.definition.type, ()))
        programs = [obj.id]
        activities = statement.context.contextActivities if statement.context else None
        if activities:
            programs += _ids(activities.get("parent")) + _ids(activities.get("grouping"))
        for program in dict.fromkeys(programs):
            matched.extend(catalog.by_program.get(program, ()))
    found: dict[str, dict[str, Any]] = {}
    scaled = statement.result.score.scaled if statement.result and statement.result.score else None
    occurred = microseconds(statement.timestamp)
    for rule in matched:
        positive = _rule_evidence(rule, verb, statement.result)
        if positive is None:
            continue
        for uri in rule.competencies:
            if uri not in catalog.competencies:
                continue
            old = found.get(uri)
            # Several rules for one competency: the positive one, then the heaviest.
            if old is not None and (old["positive"], old["weight"]) >= (positive, rule.weight):
                continue
            found[uri] = {
                "competency_uri": uri,
                "route": "rule",
                "rule_id": rule.id,
                "positive": positive,
                "weight": rule.weight,
                "expires_us": occurred + rule.valid_days * DAY_US if rule.valid_days else None,
            }
    if verb in _DEFAULT or verb in _NEGATIVE:
        success = statement.result.success if statement.result else None
        positive = verb in _DEFAULT and success is not False
        for uri, route in _named(statement, catalog):
            if uri not in found:
                found[uri] = {
                    "competency_uri": uri,
                    "route": route,
                    "rule_id": None,
                    "positive": positive,
                    "weight": 1.0,
                    "expires_us": None,
                }
    for row in found.values():
        row.update(statement_id=statement.id, verb=verb, scaled=scaled, occurred_us=occurred)
    return list(found.values())


@dataclass
class Found:
    """The candidate evidence of a batch, before its actors are resolved to people."""

    #: ``(actor identity, evidence rows without the person)`` per statement giving any.
    by_actor: list[tuple[str | None, list[dict[str, Any]]]] = field(default_factory=list)
    #: Ids (lower case) of the statements the batch voids.
    voided: list[str] = field(default_factory=list)
    #: The actors to resolve, by identity.
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)


def find(statements: Iterable[Statement], catalog: Catalog) -> Found:
    """The evidence ``statements`` give and the statements they void.

    Statements the plugin derived are skipped; only the actors of statements that
    give evidence are to be resolved.
    """
    out = Found()
    for statement in statements:
        if statement.verb.id == VOIDED:
            if statement.object.objectType == "StatementRef" and statement.object.id:
                out.voided.append(statement.object.id.lower())
            continue
        if is_derived(statement):
            continue
        rows = candidates(statement, catalog)
        if not rows:
            continue
        key = agent_key(statement.actor)
        if key is not None and key not in out.agents:
            out.agents[key] = statement.actor
        out.by_actor.append((key, rows))
    return out


def assign(found: Found, people: dict[str, str], tenant_id: int, now_us: int) -> Extracted:
    """Evidence rows of ``found`` for the people ``people`` maps actor identities to.

    A statement whose actor is no person (unknown, or a Group) is counted as
    unresolved, never guessed.
    """
    out = Extracted(voided=found.voided)
    for key, rows in found.by_actor:
        person = people.get(key) if key else None
        if person is None:
            out.unresolved += 1
            continue
        for row in rows:
            out.rows.append(
                {**row, "tenant_id": tenant_id, "person_id": person, "recorded_us": now_us}
            )
    return out
