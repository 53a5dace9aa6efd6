"""Context (Data 2.4.6), including the 2.0 contextAgents and contextGroups."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import AGENT, GROUP, V1, V2, accepted, errors_of, statement

REF = {"objectType": "StatementRef", "id": "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10"}


@pytest.mark.parametrize("kind", ["parent", "grouping", "category", "other"])
def test_a_single_context_activity_is_stored_as_an_array(kind):
    activity = {"id": "http://x.org/p"}
    [stored] = accepted(statement(context={"contextActivities": {kind: activity}}))
    assert stored["context"]["contextActivities"][kind] == [activity]
    [stored] = accepted(statement(context={"contextActivities": {kind: [activity, activity]}}))
    assert stored["context"]["contextActivities"][kind] == [activity, activity]


def test_context_activity_errors_point_into_the_array_or_object():
    acts = {"parent": [{"id": "http://x.org/p"}, {"id": "x"}], "other": {"x": 1},
            "grouping": "http://x.org/g", "sibling": []}
    assert errors_of(statement(context={"contextActivities": acts})) == {
        "$.context.contextActivities.parent[1].id":
            'must be an IRI with a scheme, e.g. "http://example.com/x"',
        "$.context.contextActivities.other.id": "is required",
        "$.context.contextActivities.other.x": "unknown property",
        "$.context.contextActivities.grouping": "must be an object",
        "$.context.contextActivities.sibling": "unknown property",
    }


@pytest.mark.parametrize(("context", "path", "message"), [
    ({"registration": "wrong"}, "registration", "must be a UUID (8-4-4-4-12 hexadecimal digits)"),
    ({"registration": None}, "registration", "must not be null"),
    ({"instructor": {"name": "x"}}, "instructor",
     "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account"),
    ({"team": AGENT}, "team.objectType", 'must be "Group"'),
    ({"revision": 1}, "revision", "must be a string"),
    ({"platform": {}}, "platform", "must be a string"),
    ({"language": "a12345"}, "language", 'must be an RFC 5646 language tag, e.g. "en-US"'),
    ({"statement": {"id": REF["id"]}}, "statement.objectType", "is required"),
    ({"contextActivities": {}}, "contextActivities", "must not be an empty object"),
])
def test_invalid_context_properties_are_refused(context, path, message):
    assert errors_of(statement(context=context)) == {f"$.context.{path}": message}


def test_instructor_may_be_a_group_and_team_a_group():
    accepted(statement(context={"instructor": GROUP, "team": GROUP, "statement": REF}))


@pytest.mark.parametrize("name", ["revision", "platform"])
def test_revision_and_platform_need_an_activity_object(name):
    accepted(statement(context={name: "x"}))
    accepted(statement(object={"id": "http://x.org/a"}, context={name: "x"}))
    assert errors_of(statement(object=AGENT, context={name: "x"})) == {
        f"$.context.{name}": "is only allowed when the object is an Activity"}


CONTEXT_AGENT = {"objectType": "contextAgent", "agent": AGENT,
                 "relevantTypes": ["http://x.org/types/quarterback"]}
CONTEXT_GROUP = {"objectType": "contextGroup", "group": GROUP}


def test_context_agents_and_groups_are_2_0_only():
    context = {"contextAgents": [CONTEXT_AGENT], "contextGroups": [CONTEXT_GROUP]}
    accepted(statement(context=context), V2)
    assert errors_of(statement(context=context), V1) == {
        "$.context.contextAgents": "unknown property",
        "$.context.contextGroups": "unknown property",
    }


@pytest.mark.parametrize(("item", "path", "message"), [
    ({**CONTEXT_AGENT, "objectType": "Should fail"}, "objectType", 'must be "contextAgent"'),
    ({"agent": AGENT}, "objectType", "is required"),
    ({"objectType": "contextAgent"}, "agent", "is required"),
    ({"objectType": "contextAgent", "agent": {"key": "x"}}, "agent.key", "unknown property"),
    ({**CONTEXT_AGENT, "agent": GROUP}, "agent.objectType",
     'must be "Agent" here (a Group is not allowed)'),
    ({**CONTEXT_AGENT, "relevantTypes": []}, "relevantTypes", "must not be an empty array"),
    ({**CONTEXT_AGENT, "relevantTypes": ["abc"]}, "relevantTypes[0]",
     'must be an IRI with a scheme, e.g. "http://example.com/x"'),
])
def test_context_agent_rules(item, path, message):
    errors = errors_of(statement(context={"contextAgents": [item]}), V2)
    assert errors[f"$.context.contextAgents[0].{path}"] == message


@pytest.mark.parametrize(("item", "path", "message"), [
    ({**CONTEXT_GROUP, "objectType": "contextAgent"}, "objectType", 'must be "contextGroup"'),
    ({"objectType": "contextGroup", "group": {"key": "x"}}, "group.objectType", "is required"),
    ({"objectType": "contextGroup", "group": AGENT}, "group.objectType", 'must be "Group"'),
    ({**CONTEXT_GROUP, "relevantTypes": []}, "relevantTypes", "must not be an empty array"),
])
def test_context_group_rules(item, path, message):
    errors = errors_of(statement(context={"contextGroups": [item]}), V2)
    assert errors[f"$.context.contextGroups[0].{path}"] == message
