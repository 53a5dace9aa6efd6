"""Verbs, statement objects, activity definitions and interactions (Data 2.4.3, 2.4.4)."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import AGENT, GROUP, accepted, errors_of, statement

IRI_MESSAGE = 'must be an IRI with a scheme, e.g. "http://example.com/x"'


def test_verb_needs_an_iri_id_and_display_is_a_language_map():
    assert errors_of(statement(verb={"display": {"en-US": "x"}})) == {"$.verb.id": "is required"}
    assert errors_of(statement(verb={"id": "adlnet.gov/expapi/verbs/x"})) == {
        "$.verb.id": IRI_MESSAGE}
    assert errors_of(statement(verb={"id": "http://x.org/v", "display": "x"}))[
        "$.verb.display"].startswith("must be a language map")
    assert errors_of(statement(verb={"id": "http://x.org/v", "display": {"en-US": None}})) == {
        "$.verb.display['en-US']": "must be a string"}
    accepted(statement(verb={"id": "urn:x:verb"}))


@pytest.mark.parametrize("tag", ["a12345678", "something", "en_US", "", "en-", "12"])
def test_language_map_keys_must_be_rfc5646_tags(tag):
    errors = errors_of(statement(verb={"id": "http://x.org/v", "display": {tag: "x"}}))
    assert list(errors.values()) == ['must be keyed by an RFC 5646 language tag, e.g. "en-US"']


@pytest.mark.parametrize("tag", ["en", "en-US", "es-419", "zh-Hant-TW", "sr-Latn-RS", "und",
                                 "de-CH-1901", "x-private", "i-klingon", "en-a-bbb-x-a-ccc",
                                 "EN-us"])
def test_well_formed_language_tags_are_accepted(tag):
    accepted(statement(verb={"id": "http://x.org/v", "display": {tag: "x"}}))


@pytest.mark.parametrize(("obj", "path", "message"), [
    ({"id": "example.com/a"}, "$.object.id", IRI_MESSAGE),
    ({"objectType": "activity", "id": "http://x.org/a"}, "$.object.objectType",
     'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"'),
    ({"objectType": "Activity"}, "$.object.id", "is required"),
    ({"id": "http://x.org/a", "definition": {"type": "cmi.interaction"}},
     "$.object.definition.type", IRI_MESSAGE),
    ({"id": "http://x.org/a", "definition": {"moreInfo": "x.org/info"}},
     "$.object.definition.moreInfo",
     'must be an IRL with a scheme, e.g. "https://example.com/x"'),
    ({"id": "http://x.org/a", "definition": {"moreInfo": None}},
     "$.object.definition.moreInfo", "must not be null"),
    ({"id": "http://x.org/a", "definition": {"extensions": {"not.valid.com/x": 1}}},
     "$.object.definition.extensions['not.valid.com/x']",
     'extension keys must be IRIs, e.g. "http://example.com/ext"'),
    ({"id": "http://x.org/a", "definition": {"name": "plain"}}, "$.object.definition.name",
     'must be a language map, e.g. {"en-US": "text"}'),
])
def test_activity_rules(obj, path, message):
    assert errors_of(statement(object=obj))[path] == message


def test_an_empty_definition_and_any_extension_values_are_accepted():
    accepted(statement(object={"id": "http://x.org/a", "definition": {}}))
    accepted(statement(object={"id": "http://x.org/a", "definition": {"extensions": {
        "http://x.org/e1": None, "http://x.org/e2": "", "http://x.org/e3": {},
        "http://x.org/e4": [1, 2.5, True]}}}))


@pytest.mark.parametrize(("kind", "lists"), [
    ("true-false", {}), ("fill-in", {}), ("long-fill-in", {}), ("numeric", {}), ("other", {}),
    ("choice", {"choices"}), ("sequencing", {"choices"}), ("likert", {"scale"}),
    ("matching", {"source", "target"}), ("performance", {"steps"}),
])
def test_each_interaction_type_takes_its_component_lists(kind, lists):
    definition = {"interactionType": kind, "correctResponsesPattern": ["x"]}
    definition.update({name: [{"id": "x", "description": {"en-US": "X"}}] for name in lists})
    accepted(statement(object={"id": "http://x.org/a", "definition": definition}))


def test_component_lists_foreign_to_the_interaction_type_are_refused():
    definition = {"interactionType": "true-false", "choices": [{"id": "a"}]}
    assert errors_of(statement(object={"id": "http://x.org/a", "definition": definition})) == {
        "$.object.definition.choices": 'is not used with interactionType "true-false"'}


@pytest.mark.parametrize("name", ["correctResponsesPattern", "choices", "scale", "source",
                                  "target", "steps"])
def test_interaction_properties_need_an_interaction_type(name):
    value = ["x"] if name == "correctResponsesPattern" else [{"id": "x"}]
    obj = {"id": "http://x.org/a", "definition": {name: value}}
    assert errors_of(statement(object=obj)) == {
        "$.object.definition.interactionType": f"is required when {name} is used"}


@pytest.mark.parametrize("kind", ["Choice", "http://x.org/choice", 12, {"a": 1}])
def test_interaction_type_must_be_a_known_name(kind):
    obj = {"id": "http://x.org/a", "definition": {"interactionType": kind}}
    assert "$.object.definition.interactionType" in errors_of(statement(object=obj))


def test_interaction_components_need_string_ids():
    definition = {"interactionType": "choice", "choices": [{"description": {"en": "x"}},
                                                           {"id": 1}, {"id": "c", "x": 1}]}
    assert errors_of(statement(object={"id": "http://x.org/a", "definition": definition})) == {
        "$.object.definition.choices[0].id": "is required",
        "$.object.definition.choices[1].id": "must be a string",
        "$.object.definition.choices[2].x": "unknown property",
    }


def test_agents_and_groups_as_objects_need_their_object_type():
    accepted(statement(object=AGENT))
    accepted(statement(object=GROUP))
    no_type = {k: v for k, v in AGENT.items() if k != "objectType"}
    assert set(errors_of(statement(object=no_type))) == {
        "$.object.id", "$.object.name", "$.object.mbox"}


def test_statement_refs_need_a_uuid_id():
    ref = {"objectType": "StatementRef", "id": "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10"}
    accepted(statement(object=ref))
    assert errors_of(statement(object={"objectType": "StatementRef"})) == {
        "$.object.id": "is required"}
    assert errors_of(statement(object={"objectType": "StatementRef", "id": "x"})) == {
        "$.object.id": "must be a UUID (8-4-4-4-12 hexadecimal digits)"}
    assert "$.object.objectType" in errors_of(statement(object={"objectType": "statementref",
                                                                "id": ref["id"]}))


def test_the_voided_verb_needs_a_statement_ref_object():
    voided = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    accepted(statement(verb=voided, object={"objectType": "StatementRef",
                                            "id": "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10"}))
    assert errors_of(statement(verb=voided)) == {"$.object.objectType": (
        'must be "StatementRef" when the verb is "http://adlnet.gov/expapi/verbs/voided"')}
