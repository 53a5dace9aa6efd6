"""Activities, their definitions and interaction components (Data 2.4.4.1)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from msgspec import UNSET, Meta, UnsetType

from lrs.xapi import fields as f
from lrs.xapi.schema_base import Problem, XapiStruct

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
_INTERACTION_PROPERTIES = ("correctResponsesPattern", *COMPONENT_LISTS)

InteractionType = Annotated[
    Literal[
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    ],
    Meta(
        extra={"message": "must be one of " + ", ".join(f'"{name}"' for name in COMPONENTS_BY_TYPE)}
    ),
]


class InteractionComponent(XapiStruct, kw_only=True):
    id: str
    description: f.LanguageMap | UnsetType = UNSET


Components = f.object_list(InteractionComponent)


class ActivityDefinition(XapiStruct, kw_only=True):
    name: f.LanguageMap | UnsetType = UNSET
    description: f.LanguageMap | UnsetType = UNSET
    type: f.Iri | UnsetType = UNSET
    moreInfo: f.Irl | UnsetType = UNSET
    extensions: f.Extensions | UnsetType = UNSET
    interactionType: InteractionType | UnsetType = UNSET
    correctResponsesPattern: f.StringList | UnsetType = UNSET
    choices: Components | UnsetType = UNSET
    scale: Components | UnsetType = UNSET
    source: Components | UnsetType = UNSET
    target: Components | UnsetType = UNSET
    steps: Components | UnsetType = UNSET

    def check(self) -> None:
        """Interaction properties need an interactionType, and only the lists it uses."""
        kind = self.interactionType
        used = [name for name in _INTERACTION_PROPERTIES if getattr(self, name) is not UNSET]
        if not used:
            return
        if kind is UNSET:
            raise Problem((("interactionType",), f"is required when {', '.join(used)} is used"))
        allowed = COMPONENTS_BY_TYPE[kind]
        misplaced = [
            ((name,), f'is not used with interactionType "{kind}"')
            for name in used
            if name in COMPONENT_LISTS and name not in allowed
        ]
        if misplaced:
            raise Problem(*misplaced)


class Activity(XapiStruct, kw_only=True):
    objectType: Literal["Activity"] | UnsetType = UNSET
    id: f.Iri
    definition: ActivityDefinition | UnsetType = UNSET


#: A context-activities value: one Activity or an array, stored as an array (Data
#: 2.4.6.2 lets clients send a single Activity but the LRS must return an array).
ActivityOrList = Annotated[
    Activity | list[Activity], Meta(extra={"type_message": "must be an object"})
]


class ContextActivities(XapiStruct, kw_only=True):
    parent: ActivityOrList | UnsetType = UNSET
    grouping: ActivityOrList | UnsetType = UNSET
    category: ActivityOrList | UnsetType = UNSET
    other: ActivityOrList | UnsetType = UNSET

    refuse_empty: ClassVar[bool] = True

    def check(self) -> None:
        if type(self.parent) is Activity:
            self.parent = [self.parent]
        if type(self.grouping) is Activity:
            self.grouping = [self.grouping]
        if type(self.category) is Activity:
            self.category = [self.category]
        if type(self.other) is Activity:
            self.other = [self.other]
