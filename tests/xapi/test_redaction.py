"""The erasure rules on single statements: delete, keep without the person, or leave."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lrs.xapi.redaction import ERASED_AGENT, Outcome, person_keys, pseudonym, redact

ADA = {"mbox": "mailto:ada@example.com"}
BOB = {"mbox": "mailto:bob@example.com"}
KEYS = person_keys(ADA)
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed"}
ACTIVITY = {"id": "http://example.com/a"}
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com",
                                                "name": "lms"}}


def make(**parts: Any) -> dict[str, Any]:
    return {"id": "x", "actor": BOB, "verb": VERB, "object": ACTIVITY, "authority": AUTHORITY,
            **parts}


def test_person_keys_of_an_mbox_include_its_sha1sum() -> None:
    sha1 = hashlib.sha1(b"mailto:ada@example.com").hexdigest()
    assert person_keys(ADA) == {"mbox:mailto:ada@example.com", f"mbox_sha1sum:{sha1}"}
    account = {"account": {"homePage": "https://hr.example.com", "name": "E42"}}
    assert person_keys(account) == {"account:https://hr.example.com|E42"}
    with pytest.raises(ValueError):
        person_keys({"name": "nobody"})


def test_pseudonym_is_the_sha256_of_the_canonical_key() -> None:
    assert pseudonym(ADA) == "person:sha256:" + hashlib.sha256(
        b"mbox:mailto:ada@example.com").hexdigest()


@pytest.mark.parametrize("statement", [
    make(actor=ADA),
    make(actor={"objectType": "Agent", "name": "Ada", **ADA}),
    make(actor={"mbox_sha1sum": hashlib.sha1(b"mailto:ada@example.com").hexdigest().upper()}),
    make(object={"objectType": "Agent", **ADA}),
    make(actor={"objectType": "Group", "member": [ADA]}),
    make(object={"objectType": "SubStatement", "actor": ADA, "verb": VERB, "object": ACTIVITY}),
    make(object={"objectType": "SubStatement", "actor": BOB, "verb": VERB,
                 "object": {"objectType": "Agent", **ADA}}),
], ids=["actor", "named actor", "sha1sum actor", "object agent", "group of one",
        "substatement actor", "substatement object"])
def test_statements_of_or_about_the_person_are_deleted(statement: dict[str, Any]) -> None:
    assert redact(statement, KEYS).outcome is Outcome.DELETED


@pytest.mark.parametrize(("statement", "expected"), [
    (make(context={"instructor": ADA, "registration": "r"}), make(context={"registration": "r"})),
    (make(context={"instructor": ADA}), make()),
    (make(actor={"objectType": "Group", "member": [ADA, BOB]}),
     make(actor={"objectType": "Group", "member": [BOB]})),
    (make(actor={"objectType": "Group", "mbox": "mailto:team@example.com", "member": [ADA]}),
     make(actor={"objectType": "Group", "mbox": "mailto:team@example.com"})),
    (make(context={"contextAgents": [{"objectType": "contextAgent", "agent": ADA},
                                     {"objectType": "contextAgent", "agent": BOB}]}),
     make(context={"contextAgents": [{"objectType": "contextAgent", "agent": BOB}]})),
    (make(context={"contextGroups": [{"objectType": "contextGroup",
                                      "group": {"objectType": "Group", "member": [ADA]}}]}),
     make()),
    (make(authority=ADA), make(authority=ERASED_AGENT)),
    (make(object={"objectType": "SubStatement", "actor": BOB, "verb": VERB, "object": ACTIVITY,
                  "context": {"instructor": ADA}}),
     make(object={"objectType": "SubStatement", "actor": BOB, "verb": VERB,
                  "object": ACTIVITY})),
], ids=["instructor", "only instructor", "group member", "identified group member",
        "context agent", "context group", "authority", "substatement instructor"])
def test_others_records_naming_the_person_are_kept_without_them(
    statement: dict[str, Any], expected: dict[str, Any],
) -> None:
    verdict = redact(statement, KEYS)
    assert verdict.outcome is Outcome.REDACTED
    assert verdict.statement == expected
    assert "ada@example.com" not in str(verdict.statement)


def test_the_persons_voiding_of_another_statement_is_kept_by_an_anonymous_agent() -> None:
    voiding = make(actor=ADA, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                   object={"objectType": "StatementRef", "id": "y"})
    verdict = redact(voiding, KEYS)
    assert verdict.outcome is Outcome.REDACTED
    assert verdict.statement == {**voiding, "actor": ERASED_AGENT}


def test_a_signed_statement_that_would_change_is_deleted() -> None:
    signature = {"usageType": "http://adlnet.gov/expapi/attachments/signature",
                 "display": {"en-US": "signature"}, "contentType": "application/octet-stream",
                 "length": 10, "sha2": "ab" * 32}
    signed = make(context={"instructor": ADA}, attachments=[signature])
    assert redact(signed, KEYS).outcome is Outcome.DELETED


def test_other_statements_are_untouched() -> None:
    statement = make(context={"instructor": {"mbox": "mailto:carol@example.com"}})
    original = repr(statement)
    assert redact(statement, KEYS).outcome is Outcome.UNTOUCHED
    assert repr(statement) == original
