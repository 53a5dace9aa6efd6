"""Activities, their definitions and interaction components (Data 2.4.4.1)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from lrs.xapi import fields as f
from lrs.xapi.schema_base import XapiSchema, constant

#: Which interaction-component lists each ``interactionType`` uses (Data 2.4.4.1.1).
COMPONENTS_BY_TYPE: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset({"choices"}),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": frozenset(),
    "other": frozenset(),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_TYPES = ", ".join(f'"{name}"' for name in COMPONENTS_BY_TYPE)


class InteractionComponentSchema(XapiSchema):
    id = f.Str(required=True)
    description = f.LanguageMap()


COMPONENT = InteractionComponentSchema()


class ActivityDefinitionSchema(XapiSchema):
    name = f.LanguageMap()
    description = f.LanguageMap()
    type = f.iri()
    moreInfo = f.irl()
    extensions = f.Extensions()
    interactionType = f.Checked(COMPONENTS_BY_TYPE.__contains__, f"must be one of {_TYPES}")
    correctResponsesPattern = f.StringList()
    choices = f.NestedList(COMPONENT)
    scale = f.NestedList(COMPONENT)
    source = f.NestedList(COMPONENT)
    target = f.NestedList(COMPONENT)
    steps = f.NestedList(COMPONENT)

    def check(self, data: dict, original: dict) -> None:
        """Interaction properties need an interactionType, and only the lists it uses."""
        used = [name for name in ("correctResponsesPattern", *COMPONENT_LISTS) if name in original]
        if not used:
            return
        kind = original.get("interactionType")
        if kind is None:
            raise ValidationError({"interactionType": [
                f"is required when {', '.join(used)} is used"]})
        allowed = COMPONENTS_BY_TYPE.get(kind) if isinstance(kind, str) else None
        if allowed is None:
            return  # the interactionType field reports the bad value
        errors = {name: [f'is not used with interactionType "{kind}"']
                  for name in used if name in COMPONENT_LISTS and name not in allowed}
        if errors:
            raise ValidationError(errors)


DEFINITION = ActivityDefinitionSchema()


class ActivitySchema(XapiSchema):
    objectType = constant("Activity")
    id = f.iri(required=True)
    definition = f.Nested(DEFINITION, allow_empty=True)


ACTIVITY = ActivitySchema()


class ActivityOrList(f.XapiField):
    """A context-activities value: one Activity or an array, loaded as an array.

    Data 2.4.6.2 lets clients send a single Activity but requires the LRS to
    return an array, so the stored form is always the array.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, list):
            return f.load_list(ACTIVITY, value)
        return [f.load_object(ACTIVITY, value)]


class ContextActivitiesSchema(XapiSchema):
    parent = ActivityOrList()
    grouping = ActivityOrList()
    category = ActivityOrList()
    other = ActivityOrList()
