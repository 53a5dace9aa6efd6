"""The ids and canonical statement formats, and Accept-Language parsing."""

from __future__ import annotations

from lrs.xapi.formats import parse_accept_language, to_canonical, to_ids

STATEMENT = {
    "actor": {"objectType": "Group", "name": "Team", "member": [
        {"name": "A", "mbox": "mailto:a@example.com"},
        {"name": "B", "account": {"homePage": "http://example.com", "name": "b"}},
    ]},
    "verb": {"id": "http://example.com/v", "display": {"en-US": "did", "de": "tat"}},
    "object": {"objectType": "SubStatement",
               "actor": {"objectType": "Agent", "name": "C", "openid": "http://c.example.com"},
               "verb": {"id": "http://example.com/w", "display": {"en-US": "w"}},
               "object": {"id": "http://example.com/a", "definition": {
                   "name": {"en-US": "A", "de-DE": "Ä"},
                   "choices": [{"id": "x", "description": {"en-US": "X", "de": "iks"}}]}}},
    "context": {"instructor": {"name": "I", "mbox": "mailto:i@example.com"},
                "contextActivities": {"parent": [{"id": "http://example.com/p",
                                                   "definition": {"name": {"en": "P"}}}]}},
}


def test_ids_keeps_only_identifiers() -> None:
    ids = to_ids(STATEMENT)
    assert ids["actor"] == {"objectType": "Group", "member": [
        {"mbox": "mailto:a@example.com"},
        {"account": {"homePage": "http://example.com", "name": "b"}},
    ]}
    assert ids["verb"] == {"id": "http://example.com/v"}
    assert ids["object"]["actor"] == {"objectType": "Agent", "openid": "http://c.example.com"}
    assert ids["object"]["object"] == {"id": "http://example.com/a"}
    assert ids["context"]["instructor"] == {"mbox": "mailto:i@example.com"}
    assert ids["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/p"}]
    assert STATEMENT["verb"]["display"] == {"en-US": "did", "de": "tat"}  # input untouched


def test_canonical_keeps_the_preferred_language() -> None:
    canonical = to_canonical(STATEMENT, ["de-DE", "en"])
    assert canonical["verb"]["display"] == {"de": "tat"}
    definition = canonical["object"]["object"]["definition"]
    assert definition["name"] == {"de-DE": "Ä"}
    assert definition["choices"][0]["description"] == {"de": "iks"}
    assert to_canonical(STATEMENT, [])["verb"]["display"] == {"en-US": "did"}


def test_accept_language_is_ordered_by_quality() -> None:
    assert parse_accept_language("en;q=0.5, fr-CA, de;q=0.8, *;q=0.1, it;q=0") == [
        "fr-CA", "de", "en"]
    assert parse_accept_language(None) == []
