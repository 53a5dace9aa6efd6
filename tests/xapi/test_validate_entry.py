"""validate_statements as an entry point: shapes of payload, paths, normalization."""

from __future__ import annotations

import copy

import pytest

from lrs.xapi.errors import InvalidStatement
from lrs.xapi.validate import validate_statements
from tests.xapi.xapi_samples import BOTH, V1, V2, accepted, errors_of, rich_statement, statement


@BOTH
def test_a_rich_statement_is_accepted_and_equal_but_for_normalization(version):
    sent = rich_statement()
    before = copy.deepcopy(sent)
    [stored] = accepted(sent, version)
    assert sent == before, "the input must not be mutated"
    assert stored is not sent
    expected = copy.deepcopy(sent)
    expected["context"]["contextActivities"]["parent"] = [{"id": "http://example.com/course"}]
    assert stored == expected


def test_a_single_object_gives_paths_from_the_root():
    assert errors_of(statement(actor={"mbox": "ada@example.com"})) == {
        "$.actor.mbox": 'must start with "mailto:"'}


def test_a_batch_reports_every_problem_of_every_statement_by_index():
    batch = [statement(), statement(verb={"id": "completed"}), statement(id="nope", extra=1)]
    assert errors_of(batch) == {
        "$[1].verb.id": 'must be an IRI with a scheme, e.g. "http://example.com/x"',
        "$[2].id": "must be a UUID (8-4-4-4-12 hexadecimal digits)",
        "$[2].extra": "unknown property",
    }


def test_the_error_message_summarizes_the_first_problem():
    with pytest.raises(InvalidStatement) as caught:
        validate_statements([statement(actor=1), statement(verb=None)], V1)
    assert caught.value.message == "$[0].actor: must be an object (and 1 more)"
    assert caught.value.status == 400


@pytest.mark.parametrize("payload", [None, "statement", 3, 1.5, True])
def test_a_payload_that_is_no_object_or_array_is_refused(payload):
    assert errors_of(payload) == {
        "$": "must be a statement object or an array of statement objects"}


def test_batch_items_must_be_objects():
    assert errors_of([statement(), [], "x", {}]) == {
        "$[1]": "must be an object", "$[2]": "must be an object",
        "$[3]": "must not be an empty object"}


def test_an_empty_batch_is_valid_and_stores_nothing():
    assert accepted([]) == []


def test_a_custom_root_prefixes_paths():
    with pytest.raises(InvalidStatement) as caught:
        validate_statements(statement(verb={}), V1, root="statements")
    assert [e.path for e in caught.value.errors] == ["statements.verb"]


@pytest.mark.parametrize("key", ["Actor", "veRb", "objecttype", "Version", "@context"])
def test_property_names_are_case_sensitive_and_unknown_ones_refused(key):
    assert errors_of(statement(**{key: 1}))[f"$.{key}" if key.isidentifier()
                                            else f"$['{key}']"] == "unknown property"


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_actor_verb_and_object_are_required(missing):
    sent = statement()
    del sent[missing]
    assert errors_of(sent) == {f"$.{missing}": "is required"}


@pytest.mark.parametrize("name", ["id", "result", "context", "timestamp", "stored", "authority",
                                  "version", "attachments"])
def test_null_is_not_a_value(name):
    assert errors_of(statement(**{name: None}))[f"$.{name}"] == "must not be null"


def test_empty_result_context_and_attachments_are_refused():
    assert errors_of(statement(result={}, context={}, attachments=[])) == {
        "$.result": "must not be an empty object",
        "$.context": "must not be an empty object",
        "$.attachments": "must not be an empty array",
    }


def test_statement_id_any_uuid_variant_and_case_is_accepted():
    for value in ("00000000-0000-0000-0000-000000000000", "AA97B177-9383-4934-8543-0F91A7A02836"):
        assert accepted(statement(id=value))[0]["id"] == value


@pytest.mark.parametrize("value", ["AA97B177-9383-4934-8543-0F91A7A028368",
                                   "MA97B177-9383-4934-8543-0F91A7A02836",
                                   "aa97b17793834934854 30f91a7a02836", 12345, {"key": 1}])
def test_statement_id_must_be_a_uuid(value):
    assert "$.id" in errors_of(statement(id=value))


def test_client_supplied_stored_and_authority_are_accepted():
    [stored] = accepted(statement(stored="2011-07-15T00:00:00.000Z",
                                  authority={"mbox": "mailto:lrs@example.com"}))
    assert stored["stored"] == "2011-07-15T00:00:00.000Z"


def test_top_level_null_timestamp_is_dropped_in_2_0_only():
    [stored] = accepted(statement(timestamp=None), V2)
    assert "timestamp" not in stored
    assert errors_of(statement(timestamp=None), V1) == {"$.timestamp": "must not be null"}


def test_deeply_nested_extension_values_are_accepted():
    value: object = 1
    for _ in range(50):
        value = {"a": [value]}
    sent = statement(result={"extensions": {"http://example.com/deep": value}})
    assert accepted(sent)[0]["result"]["extensions"]["http://example.com/deep"] == value
