"""Statement schemas for xAPI 1.0.3 and 2.0.0 (Data 2.4), one instance per version.

The versions differ in the context (2.0 adds ``contextAgents`` and
``contextGroups``), the timestamp grammar (RFC 3339 in 2.0) and the accepted
``version`` values, so the 2.0 schemas subclass the 1.0.3 ones and override just
those fields. Everything is built once at import time: loading never constructs
a schema.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from lrs.xapi import fields as f
from lrs.xapi.actors import GROUP, Actor, AgentOnly, Authority, GroupOnly, load_actor
from lrs.xapi.schema_base import XapiSchema, constant
from lrs.xapi.schemas_activity import ACTIVITY, ContextActivitiesSchema
from lrs.xapi.versions import STATEMENT_VERSION, XapiVersion
from lrs.xapi.voiding import VOIDED_VERB


class VerbSchema(XapiSchema):
    id = f.iri(required=True)
    display = f.LanguageMap()


class StatementRefSchema(XapiSchema):
    objectType = constant("StatementRef", required=True)
    id = f.uuid(required=True)


STATEMENT_REF = StatementRefSchema()


class ScoreSchema(XapiSchema):
    scaled = f.Number()
    raw = f.Number()
    min = f.Number()
    max = f.Number()

    def check(self, data: dict, original: dict) -> None:
        errors: dict[str, list[str]] = {}
        scaled, raw, low, high = (data.get(k) for k in ("scaled", "raw", "min", "max"))
        if scaled is not None and not -1 <= scaled <= 1:
            errors["scaled"] = ["must be between -1 and 1"]
        if low is not None and high is not None and low > high:
            errors["max"] = ["must not be less than min"]
        elif raw is not None:
            if low is not None and raw < low:
                errors["raw"] = ["must not be less than min"]
            if high is not None and raw > high:
                errors["raw"] = ["must not be greater than max"]
        if errors:
            raise ValidationError(errors)


class ResultSchema(XapiSchema):
    score = f.Nested(ScoreSchema())
    success = f.Bool()
    completion = f.Bool()
    response = f.Str()
    duration = f.duration()
    extensions = f.Extensions()


RESULT = ResultSchema()


class AttachmentSchema(XapiSchema):
    usageType = f.iri(required=True)
    display = f.LanguageMap(required=True)
    description = f.LanguageMap()
    contentType = f.media_type(required=True)
    length = f.NonNegativeInt(required=True)
    sha2 = f.sha2(required=True)
    fileUrl = f.irl()


ATTACHMENT = AttachmentSchema()


class Context103Schema(XapiSchema):
    registration = f.uuid()
    instructor = Actor()
    team = GroupOnly()
    contextActivities = f.Nested(ContextActivitiesSchema())
    revision = f.Str()
    platform = f.Str()
    language = f.language_tag()
    statement = f.Nested(STATEMENT_REF)
    extensions = f.Extensions()


class ContextAgentSchema(XapiSchema):
    objectType = constant("contextAgent", required=True)
    agent = AgentOnly(required=True)
    relevantTypes = f.IriList()


class ContextGroupSchema(XapiSchema):
    objectType = constant("contextGroup", required=True)
    group = GroupOnly(required=True)
    relevantTypes = f.IriList()


class Context200Schema(Context103Schema):
    contextAgents = f.NestedList(ContextAgentSchema())
    contextGroups = f.NestedList(ContextGroupSchema())


class StatementObject(f.XapiField):
    """``object``: Activity, Agent, Group, StatementRef or (top level only) SubStatement.

    ``objectType`` picks the schema; without it the object is an Activity (Data
    2.4.4), so an Agent or Group object must say what it is.
    """

    def __init__(self, substatement: XapiSchema | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._schemas: dict[str, XapiSchema] = {
            "Activity": ACTIVITY, "StatementRef": STATEMENT_REF, "Group": GROUP,
        }
        kinds = ["Activity", "Agent", "Group", "StatementRef"]
        if substatement is not None:
            self._schemas["SubStatement"] = substatement
            kinds.append("SubStatement")
        self._kinds = "must be one of " + ", ".join(f'"{kind}"' for kind in kinds)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise ValidationError("must be an object")
        kind = value.get("objectType", "Activity")
        if kind == "Agent":
            return load_actor(value)
        schema = self._schemas.get(kind) if isinstance(kind, str) else None
        if schema is not None:
            return f.load_object(schema, value)
        if kind == "SubStatement":
            raise ValidationError(
                {"objectType": ["a SubStatement must not contain a SubStatement"]}
            )
        raise ValidationError({"objectType": [self._kinds]})


class _StatementRules(XapiSchema):
    """Rules spanning several properties, shared by Statements and SubStatements."""

    def check(self, data: dict, original: dict) -> None:
        errors: dict[str, Any] = {}
        obj, context, verb = (original.get(k) for k in ("object", "context", "verb"))
        kind = obj.get("objectType", "Activity") if isinstance(obj, dict) else None
        if isinstance(context, dict) and kind not in (None, "Activity"):
            # Data 2.4.6: revision and platform describe the Activity of the statement.
            misplaced = {name: ["is only allowed when the object is an Activity"]
                         for name in ("revision", "platform") if name in context}
            if misplaced:
                errors["context"] = misplaced
        voiding = isinstance(verb, dict) and verb.get("id") == VOIDED_VERB
        if voiding and kind not in (None, "StatementRef"):
            errors["object"] = {"objectType": [
                f'must be "StatementRef" when the verb is "{VOIDED_VERB}"']}
        if errors:
            raise ValidationError(errors)


class SubStatement103Schema(_StatementRules):
    objectType = constant("SubStatement", required=True)
    actor = Actor(required=True)
    verb = f.Nested(VerbSchema(), required=True)
    object = StatementObject(None, required=True)
    result = f.Nested(RESULT)
    context = f.Nested(Context103Schema())
    timestamp = f.Timestamp(rfc3339=False)
    attachments = f.NestedList(ATTACHMENT, allow_empty=False)


class SubStatement200Schema(SubStatement103Schema):
    context = f.Nested(Context200Schema())
    timestamp = f.Timestamp(rfc3339=True)


class Statement103Schema(_StatementRules):
    id = f.uuid()
    actor = Actor(required=True)
    verb = f.Nested(VerbSchema(), required=True)
    object = StatementObject(SubStatement103Schema(), required=True)
    result = f.Nested(RESULT)
    context = f.Nested(Context103Schema())
    timestamp = f.Timestamp(rfc3339=False)
    stored = f.Timestamp(rfc3339=False)
    authority = Authority()
    version = f.Version(STATEMENT_VERSION[XapiVersion.V1_0_3], '"1.0" or "1.0.x"')
    attachments = f.NestedList(ATTACHMENT, allow_empty=False)


class Statement200Schema(Statement103Schema):
    object = StatementObject(SubStatement200Schema(), required=True)
    context = f.Nested(Context200Schema())
    timestamp = f.Timestamp(rfc3339=True)
    stored = f.Timestamp(rfc3339=True)
    version = f.Version(STATEMENT_VERSION[XapiVersion.V2_0_0], '"1.0.x" or "2.0.x"')


#: The statement schema of each xAPI version.
STATEMENT: dict[XapiVersion, XapiSchema] = {
    XapiVersion.V1_0_3: Statement103Schema(),
    XapiVersion.V2_0_0: Statement200Schema(),
}
