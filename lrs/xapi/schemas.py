"""Statement Structs for xAPI 1.0.3 and 2.0.0 (Data 2.4).

The versions differ in the context (2.0 adds ``contextAgents`` and
``contextGroups``), the timestamp grammar (RFC 3339 in 2.0) and the accepted
``version`` values, so the 2.0 Structs subclass the 1.0.3 ones and override just
those properties.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from msgspec import UNSET, UnsetType

from lrs.xapi import datatypes
from lrs.xapi import fields as f
from lrs.xapi.actors import (
    Agent,
    Group,
    actor_type,
    agent_only_type,
    authority_type,
)
from lrs.xapi.schema_base import Problem, XapiStruct
from lrs.xapi.schemas_activity import Activity, ContextActivities
from lrs.xapi.versions import STATEMENT_VERSION, XapiVersion
from lrs.xapi.voiding import VOIDED_VERB


class Verb(XapiStruct, kw_only=True):
    id: f.Iri
    display: f.LanguageMap | UnsetType = UNSET


class StatementRef(XapiStruct, kw_only=True):
    objectType: Literal["StatementRef"]
    id: f.Uuid


class Score(XapiStruct, kw_only=True):
    scaled: f.Number | UnsetType = UNSET
    raw: f.Number | UnsetType = UNSET
    min: f.Number | UnsetType = UNSET
    max: f.Number | UnsetType = UNSET

    refuse_empty: ClassVar[bool] = True

    def check(self) -> None:
        found: list[tuple[tuple[str], str]] = []
        scaled, raw, low, high = self.scaled, self.raw, self.min, self.max
        if scaled is not UNSET and not -1 <= scaled <= 1:
            found.append((("scaled",), "must be between -1 and 1"))
        if low is not UNSET and high is not UNSET and low > high:
            found.append((("max",), "must not be less than min"))
        elif raw is not UNSET:
            if high is not UNSET and raw > high:
                found.append((("raw",), "must not be greater than max"))
            elif low is not UNSET and raw < low:
                found.append((("raw",), "must not be less than min"))
        if found:
            raise Problem(*found)


class Result(XapiStruct, kw_only=True):
    score: Score | UnsetType = UNSET
    success: bool | UnsetType = UNSET
    completion: bool | UnsetType = UNSET
    response: str | UnsetType = UNSET
    duration: f.Duration | UnsetType = UNSET
    extensions: f.Extensions | UnsetType = UNSET

    refuse_empty: ClassVar[bool] = True


class Attachment(XapiStruct, kw_only=True):
    usageType: f.Iri
    display: f.LanguageMap
    description: f.LanguageMap | UnsetType = UNSET
    contentType: f.MediaType
    length: f.NonNegativeInt
    sha2: f.Sha2
    fileUrl: f.Irl | UnsetType = UNSET


Attachments = f.object_list(Attachment, allow_empty=False)


class Context103(XapiStruct, kw_only=True):
    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {"instructor": actor_type}

    registration: f.Uuid | UnsetType = UNSET
    instructor: Any = UNSET
    team: Group | UnsetType = UNSET
    contextActivities: ContextActivities | UnsetType = UNSET
    revision: str | UnsetType = UNSET
    platform: str | UnsetType = UNSET
    language: f.LanguageTag | UnsetType = UNSET
    statement: StatementRef | UnsetType = UNSET
    extensions: f.Extensions | UnsetType = UNSET

    refuse_empty: ClassVar[bool] = True


class ContextAgent(XapiStruct, kw_only=True):
    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {"agent": agent_only_type}

    objectType: Literal["contextAgent"]
    agent: Any
    relevantTypes: f.IriList | UnsetType = UNSET


class ContextGroup(XapiStruct, kw_only=True):
    objectType: Literal["contextGroup"]
    group: Group
    relevantTypes: f.IriList | UnsetType = UNSET


class Context200(Context103, kw_only=True):
    contextAgents: f.object_list(ContextAgent) | UnsetType = UNSET  # type: ignore[valid-type]
    contextGroups: f.object_list(ContextGroup) | UnsetType = UNSET  # type: ignore[valid-type]


def _object_types(substatement: type | None) -> Callable[[Any], type]:
    """``object``: Activity, Agent, Group, StatementRef or (top level only) SubStatement.

    ``objectType`` picks the Struct; without it the object is an Activity (Data
    2.4.4), so an Agent or Group object must say what it is.
    """
    kinds: dict[str, type] = {
        "Activity": Activity,
        "Agent": Agent,
        "Group": Group,
        "StatementRef": StatementRef,
    }
    if substatement is not None:
        kinds["SubStatement"] = substatement
    names = "must be one of " + ", ".join(f'"{kind}"' for kind in kinds)

    def pick(value: Any) -> type:
        if not isinstance(value, dict):
            return Activity  # which refuses it as "must be an object"
        kind = value.get("objectType", "Activity")
        found = kinds.get(kind) if isinstance(kind, str) else None
        if found is not None:
            return found
        if kind == "SubStatement":
            raise Problem((("objectType",), "a SubStatement must not contain a SubStatement"))
        raise Problem((("objectType",), names))

    return pick


def _version(version: XapiVersion, allowed: str) -> Any:
    """A statement's ``version``: the values allowed depend on the request's version."""
    return f.text(
        lambda value: STATEMENT_VERSION[version].fullmatch(value) is not None, f"must be {allowed}"
    )


class _StatementRules(XapiStruct, kw_only=True):
    """What Statements and SubStatements share: the dispatch, timestamps, and the rules
    spanning several properties."""

    #: The timestamp grammar: RFC 3339 (2.0) or ISO 8601 (1.0.3).
    rfc3339: ClassVar[bool] = False

    def check(self) -> None:
        found: list[tuple[tuple[str, ...], str]] = []
        if self.timestamp is not UNSET:  # type: ignore[attr-defined]
            try:
                self.timestamp = datatypes.normalize_timestamp(self.timestamp, rfc3339=self.rfc3339)  # type: ignore[attr-defined]
            except ValueError as exc:
                found.append((("timestamp",), str(exc)))
        stored = getattr(self, "stored", UNSET)  # a SubStatement has none
        if stored is not UNSET:
            try:
                self.stored = datatypes.normalize_timestamp(stored, rfc3339=self.rfc3339)  # type: ignore[attr-defined]
            except ValueError as exc:
                found.append((("stored",), str(exc)))
        obj = self.object  # type: ignore[attr-defined]
        context = self.context  # type: ignore[attr-defined]
        if context is not UNSET and type(obj) is not Activity:
            # Data 2.4.6: revision and platform describe the Activity of the statement.
            found += [
                (("context", name), "is only allowed when the object is an Activity")
                for name in ("revision", "platform")
                if getattr(context, name) is not UNSET
            ]
        if self.verb.id == VOIDED_VERB and type(obj) is not StatementRef:  # type: ignore[attr-defined]
            found.append(
                (
                    ("object", "objectType"),
                    f'must be "StatementRef" when the verb is "{VOIDED_VERB}"',
                )
            )
        if found:
            raise Problem(*found)


class SubStatement103(_StatementRules, kw_only=True):
    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {
        "actor": actor_type,
        "object": _object_types(None),
    }

    objectType: Literal["SubStatement"]
    actor: Any
    verb: Verb
    object: Any
    result: Result | UnsetType = UNSET
    context: Context103 | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    attachments: Attachments | UnsetType = UNSET


class SubStatement200(SubStatement103, kw_only=True):
    rfc3339: ClassVar[bool] = True

    context: Context200 | UnsetType = UNSET


class Statement103(_StatementRules, kw_only=True):
    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {
        "actor": actor_type,
        "object": _object_types(SubStatement103),
        "authority": authority_type,
    }

    id: f.Uuid | UnsetType = UNSET
    actor: Any
    verb: Verb
    object: Any
    result: Result | UnsetType = UNSET
    context: Context103 | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    stored: str | UnsetType = UNSET
    authority: Any = UNSET
    version: _version(XapiVersion.V1_0_3, '"1.0" or "1.0.x"') | UnsetType = UNSET  # type: ignore[valid-type]
    attachments: Attachments | UnsetType = UNSET


class Statement200(Statement103, kw_only=True):
    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {
        "actor": actor_type,
        "object": _object_types(SubStatement200),
        "authority": authority_type,
    }
    rfc3339: ClassVar[bool] = True

    context: Context200 | UnsetType = UNSET
    version: _version(XapiVersion.V2_0_0, '"1.0.x" or "2.0.x"') | UnsetType = UNSET  # type: ignore[valid-type]


#: The statement Struct of each xAPI version.
STATEMENT: dict[XapiVersion, type[XapiStruct]] = {
    XapiVersion.V1_0_3: Statement103,
    XapiVersion.V2_0_0: Statement200,
}
