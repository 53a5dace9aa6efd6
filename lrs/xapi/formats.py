"""The three statement formats of ``GET statements?format=`` (Communication 2.1.3).

``exact`` is the statement as stored (the store serves its JSON untouched).
``ids`` keeps only what identifies each Agent, Group, Activity and Verb, for
consumers that already know the definitions. ``canonical`` keeps one language of
each language map, chosen from the request's ``Accept-Language``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMATS = ("exact", "ids", "canonical")

#: Properties that identify an Agent or an identified Group.
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")

#: Activity definition properties that are language maps.
_DEFINITION_MAPS = ("name", "description")
#: Interaction component lists whose items carry a ``description`` language map.
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")

Statement = dict[str, Any]


def to_ids(statement: Statement) -> Statement:
    """The ``ids`` format: agents reduced to their IFI, activities and verbs to ``id``."""
    return _transform(statement, agent=_agent_ids, activity=_activity_ids, verb=_verb_ids)


def to_canonical(statement: Statement, languages: list[str]) -> Statement:
    """The ``canonical`` format: one language per language map (``languages`` first)."""

    def pick(language_map: Any) -> Any:
        return _one_language(language_map, languages)

    def activity(obj: dict[str, Any]) -> dict[str, Any]:
        definition = obj.get("definition")
        if not isinstance(definition, dict):
            return obj
        definition = dict(definition)
        for name in _DEFINITION_MAPS:
            if name in definition:
                definition[name] = pick(definition[name])
        for name in _COMPONENT_LISTS:
            if isinstance(definition.get(name), list):
                definition[name] = [
                    {**c, "description": pick(c["description"])}
                    if isinstance(c, dict) and "description" in c
                    else c
                    for c in definition[name]
                ]
        return {**obj, "definition": definition}

    def verb(obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, "display": pick(obj["display"])} if "display" in obj else obj

    result = _transform(statement, agent=lambda a: a, activity=activity, verb=verb)
    if isinstance(result.get("attachments"), list):
        result["attachments"] = [_canonical_attachment(a, pick) for a in result["attachments"]]
    return result


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most preferred first (q-sorted)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _one_language(language_map: Any, languages: list[str]) -> Any:
    """The best entry of a language map: exact tag, then same primary language, then first."""
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {key.lower(): key for key in language_map}
    for wanted in languages:
        key = lowered.get(wanted.lower())
        if key is not None:
            return {key: language_map[key]}
    for wanted in languages:
        primary = wanted.lower().split("-")[0]
        for low, key in lowered.items():
            if low.split("-")[0] == primary:
                return {key: language_map[key]}
    key = next(iter(language_map))
    return {key: language_map[key]}


def _canonical_attachment(attachment: Any, pick: Callable[[Any], Any]) -> Any:
    if not isinstance(attachment, dict):
        return attachment
    return {k: pick(v) if k in ("display", "description") else v for k, v in attachment.items()}


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    reduced = {k: agent[k] for k in ("objectType", *IFI_PROPERTIES) if k in agent}
    if not any(k in agent for k in IFI_PROPERTIES) and isinstance(agent.get("member"), list):
        reduced["member"] = [_agent_ids(m) for m in agent["member"] if isinstance(m, dict)]
    return reduced


def _activity_ids(activity: dict[str, Any]) -> dict[str, Any]:
    return {"id": activity["id"]} if "id" in activity else activity


def _verb_ids(verb: dict[str, Any]) -> dict[str, Any]:
    return {"id": verb["id"]} if "id" in verb else verb


def _transform(
    statement: Statement,
    *,
    agent: Callable[[dict[str, Any]], dict[str, Any]],
    activity: Callable[[dict[str, Any]], dict[str, Any]],
    verb: Callable[[dict[str, Any]], dict[str, Any]],
) -> Statement:
    """Apply the three rewrites everywhere agents, activities and verbs occur."""
    out = dict(statement)
    for key in ("actor", "authority"):
        if isinstance(out.get(key), dict):
            out[key] = agent(out[key])
    if isinstance(out.get("verb"), dict):
        out["verb"] = verb(out["verb"])
    obj = out.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            out["object"] = activity(obj)
        elif kind in ("Agent", "Group"):
            out["object"] = agent(obj)
        elif kind == "SubStatement":
            out["object"] = _transform(obj, agent=agent, activity=activity, verb=verb)
    if isinstance(out.get("context"), dict):
        out["context"] = _transform_context(out["context"], agent, activity)
    return out


def _transform_context(
    context: dict[str, Any],
    agent: Callable[[dict[str, Any]], dict[str, Any]],
    activity: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    out = dict(context)
    for key in ("instructor", "team"):
        if isinstance(out.get(key), dict):
            out[key] = agent(out[key])
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            kind: [activity(a) for a in value] if isinstance(value, list) else value
            for kind, value in activities.items()
        }
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(out.get(key), list):
            out[key] = [
                {**item, inner: agent(item[inner])}
                if isinstance(item, dict) and isinstance(item.get(inner), dict)
                else item
                for item in out[key]
            ]
    return out
