"""What a statement mentions, as the rows that make queries cheap.

Queries filter on agents and activities through link tables (never by parsing
JSON), so at insert time each statement is walked once to list every agent and
activity it mentions. ``related=False`` marks the places the plain ``agent`` /
``activity`` filters look at (the actor and an Agent/Group object; an Activity
object); everything else (authority, context, group members, SubStatement parts)
is ``related=True`` and only found with ``related_agents`` / ``related_activities``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lrs.xapi.actors import agent_ifi_key

_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


@dataclass
class Mentions:
    """Agents and activities of one statement, keyed for the link tables."""

    agents: set[tuple[str, bool]] = field(default_factory=set)
    activities: set[tuple[str, bool]] = field(default_factory=set)
    #: Every Activity object with its id, for the canonical definitions.
    activity_objects: list[dict[str, Any]] = field(default_factory=list)


def mentions(statement: dict[str, Any]) -> Mentions:
    """Walk a statement (and its SubStatement) once."""
    found = Mentions()
    _add_agent(found, statement.get("actor"), related=False)
    obj = statement.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            _add_activity(found, obj, related=False)
        elif kind in ("Agent", "Group"):
            _add_agent(found, obj, related=False)
        elif kind == "SubStatement":
            _add_agent(found, obj.get("actor"), related=True)
            _add_object(found, obj.get("object"))
            _add_context(found, obj.get("context"))
    _add_context(found, statement.get("context"))
    _add_agent(found, statement.get("authority"), related=True)
    return found


def registration_of(statement: dict[str, Any]) -> str | None:
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("registration"), str):
        return context["registration"].lower()
    return None


def _add_object(found: Mentions, obj: Any) -> None:
    """The object of a SubStatement: everything in it is ``related``."""
    if not isinstance(obj, dict):
        return
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        _add_activity(found, obj, related=True)
    elif kind in ("Agent", "Group"):
        _add_agent(found, obj, related=True)


def _add_context(found: Mentions, context: Any) -> None:
    if not isinstance(context, dict):
        return
    _add_agent(found, context.get("instructor"), related=True)
    _add_agent(found, context.get("team"), related=True)
    for item in context.get("contextAgents") or []:
        if isinstance(item, dict):
            _add_agent(found, item.get("agent"), related=True)
    for item in context.get("contextGroups") or []:
        if isinstance(item, dict):
            _add_agent(found, item.get("group"), related=True)
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for kind in _CONTEXT_ACTIVITY_KINDS:
            for activity in _as_list(activities.get(kind)):
                _add_activity(found, activity, related=True)


def _add_agent(found: Mentions, agent: Any, *, related: bool) -> None:
    if not isinstance(agent, dict):
        return
    for key in _agent_keys(agent):
        found.agents.add((key, related))
    for member in agent.get("member") or []:
        if isinstance(member, dict):
            for key in _agent_keys(member):
                found.agents.add((key, True))


def _agent_keys(agent: dict[str, Any]) -> Iterator[str]:
    key = agent_ifi_key(agent)
    if key:
        yield key


def _add_activity(found: Mentions, activity: Any, *, related: bool) -> None:
    if isinstance(activity, dict) and isinstance(activity.get("id"), str):
        found.activities.add((activity["id"], related))
        found.activity_objects.append(activity)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []
