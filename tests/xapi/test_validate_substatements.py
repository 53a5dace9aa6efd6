"""SubStatements (Data 2.4.4.3): a statement as object, with restrictions."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import AGENT, BOTH, accepted, errors_of, statement

SUB = {"objectType": "SubStatement", "actor": AGENT, "verb": {"id": "http://x.org/v"},
       "object": {"id": "http://x.org/a"}}


@BOTH
def test_a_substatement_with_result_context_and_attachments_is_accepted(version):
    sub = {**SUB, "result": {"success": True}, "timestamp": "2030-01-01T00:00:00Z",
           "context": {"contextActivities": {"parent": {"id": "http://x.org/p"}}},
           "attachments": [{"usageType": "http://x.org/u", "display": {"en": "d"},
                            "contentType": "text/plain", "length": 1, "sha2": "b" * 64}]}
    [stored] = accepted(statement(object=sub), version)
    assert stored["object"]["context"]["contextActivities"]["parent"] == [{"id": "http://x.org/p"}]


@pytest.mark.parametrize("name", ["id", "stored", "version", "authority"])
def test_a_substatement_must_not_have_lrs_assigned_properties(name):
    value = {"id": "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10", "stored": "2020-01-01T00:00:00Z",
             "version": "1.0.0", "authority": AGENT}[name]
    assert errors_of(statement(object={**SUB, name: value})) == {
        f"$.object.{name}": "unknown property"}


def test_a_substatement_must_not_contain_a_substatement():
    assert errors_of(statement(object={**SUB, "object": SUB})) == {
        "$.object.object.objectType": "a SubStatement must not contain a SubStatement"}


@pytest.mark.parametrize("name", ["actor", "verb", "object", "objectType"])
def test_substatement_required_properties(name):
    sub = {k: v for k, v in SUB.items() if k != name}
    if name == "objectType":  # without objectType the object is taken as an Activity
        assert "$.object.id" in errors_of(statement(object=sub))
    else:
        assert errors_of(statement(object=sub)) == {f"$.object.{name}": "is required"}


def test_substatement_rules_apply_inside():
    sub = {**SUB, "object": AGENT, "context": {"platform": "x"},
           "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}
    assert errors_of(statement(object=sub)) == {
        "$.object.context.platform": "is only allowed when the object is an Activity",
        "$.object.object.objectType":
            'must be "StatementRef" when the verb is "http://adlnet.gov/expapi/verbs/voided"',
    }
