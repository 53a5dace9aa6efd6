"""Agents and Groups (Data 2.4.2): IFIs, objectType, members, authority, helpers."""

from __future__ import annotations

import pytest

from lrs.xapi.errors import BadRequest
from lrs.xapi.validate import agent_ifi_key, validate_agent
from tests.xapi.xapi_samples import GROUP, V1, V2, accepted, errors_of, statement

IFIS = {
    "mbox": "mailto:ada@example.com",
    "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975",
    "openid": "http://openid.example.org/12345",
    "account": {"homePage": "http://www.example.com", "name": "ada"},
}


@pytest.mark.parametrize("ifi", sorted(IFIS))
def test_an_agent_with_one_ifi_is_accepted_with_or_without_object_type(ifi):
    accepted(statement(actor={ifi: IFIS[ifi]}))
    accepted(statement(actor={"objectType": "Agent", "name": "Ada", ifi: IFIS[ifi]}))


def test_an_agent_needs_an_ifi():
    assert errors_of(statement(actor={"name": "Ada"})) == {
        "$.actor": "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account"}


def test_an_agent_with_two_ifis_is_refused_naming_them():
    actor = {"mbox": IFIS["mbox"], "openid": IFIS["openid"]}
    assert errors_of(statement(actor=actor)) == {
        "$.actor": "an Agent must have only one of mbox, mbox_sha1sum, openid, account; "
                   "found mbox, openid"}


@pytest.mark.parametrize(("ifi", "value", "path", "message"), [
    ("mbox", "ada@example.com", "$.actor.mbox", 'must start with "mailto:"'),
    ("mbox", "mailto:ada", "$.actor.mbox", 'must be "mailto:" followed by one email address'),
    ("mbox", "MAILTO:ada@example.com", "$.actor.mbox", 'must start with "mailto:"'),
    ("mbox_sha1sum", 12345, "$.actor.mbox_sha1sum", "must be a string"),
    ("mbox_sha1sum", "abc", "$.actor.mbox_sha1sum",
     "must be a SHA-1 hash (40 hexadecimal digits)"),
    ("openid", "open.id.com/testUser", "$.actor.openid",
     'must be an IRI with a scheme, e.g. "http://example.com/x"'),
    ("account", {"homePage": "homePage.com/x", "name": "n"}, "$.actor.account.homePage",
     'must be an IRL with a scheme, e.g. "https://example.com/x"'),
    ("account", {"homePage": "http://x.com"}, "$.actor.account.name", "is required"),
    ("account", {"name": "n"}, "$.actor.account.homePage", "is required"),
    ("account", {"homePage": "http://x.com", "name": {"n": 1}}, "$.actor.account.name",
     "must be a string"),
    ("account", {"homePage": "http://x.com", "name": "n", "id": 1}, "$.actor.account.id",
     "unknown property"),
])
def test_malformed_ifis_are_refused_at_their_path(ifi, value, path, message):
    assert errors_of(statement(actor={ifi: value}))[path] == message


@pytest.mark.parametrize("value", ["agent", "Person", "group", 1])
def test_object_type_of_an_agent_is_case_sensitive(value):
    assert "$.actor.objectType" in errors_of(statement(actor={"objectType": value,
                                                              "mbox": IFIS["mbox"]}))


def test_agent_name_must_be_a_string_and_not_null():
    assert errors_of(statement(actor={"mbox": IFIS["mbox"], "name": 1})) == {
        "$.actor.name": "must be a string"}
    assert errors_of(statement(actor={"mbox": IFIS["mbox"], "name": None})) == {
        "$.actor.name": "must not be null"}


def test_anonymous_and_identified_groups_are_accepted():
    accepted(statement(actor=GROUP))
    accepted(statement(actor={"objectType": "Group", "mbox": IFIS["mbox"]}))
    accepted(statement(actor={"objectType": "Group", "openid": IFIS["openid"], "member": []}))


def test_an_anonymous_group_must_list_members():
    for actor in ({"objectType": "Group"}, {"objectType": "Group", "member": []}):
        assert errors_of(statement(actor=actor))["$.actor.member"].startswith(
            "an anonymous Group")


def test_group_members_are_agents_with_one_ifi():
    actor = {"objectType": "Group", "member": [
        {"objectType": "Group", "mbox": IFIS["mbox"]}, {"name": "no ifi"}]}
    assert errors_of(statement(actor=actor)) == {
        "$.actor.member[0].objectType": 'must be "Agent"',
        "$.actor.member[1]": "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account",
    }


def test_a_group_with_two_ifis_is_refused():
    actor = {"objectType": "Group", "mbox": IFIS["mbox"], "account": IFIS["account"]}
    assert errors_of(statement(actor=actor))["$.actor"].startswith("a Group must have only one")


def test_authority_may_be_an_agent_or_a_two_member_anonymous_group():
    accepted(statement(authority={"mbox": IFIS["mbox"]}))
    accepted(statement(authority=GROUP))


@pytest.mark.parametrize("members", [1, 3])
def test_an_authority_group_needs_exactly_two_members(members):
    group = {"objectType": "Group", "member": [{"mbox": f"mailto:{i}@x.org"}
                                               for i in range(members)]}
    assert errors_of(statement(authority=group))["$.authority.member"].startswith(
        "an authority Group must have exactly two members")


def test_an_authority_group_must_be_anonymous():
    group = {**GROUP, "mbox": IFIS["mbox"]}
    assert errors_of(statement(authority=group))["$.authority"].startswith(
        "an authority Group must be anonymous")


@pytest.mark.parametrize(("agent", "key"), [
    ({"mbox": "mailto:a@b.c"}, "mbox:mailto:a@b.c"),
    ({"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
     "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975"),
    ({"openid": "http://id.example/1"}, "openid:http://id.example/1"),
    ({"objectType": "Group", "account": {"homePage": "http://h.example", "name": "n|1"}},
     "account:http://h.example|n|1"),
    (GROUP, ""),
    ({}, ""),
    ("not an agent", ""),
])
def test_agent_ifi_key_is_a_canonical_identity(agent, key):
    assert agent_ifi_key(agent) == key


def test_validate_agent_accepts_agents_and_identified_groups():
    assert validate_agent({"mbox": "mailto:a@b.c"}, V1) == {"mbox": "mailto:a@b.c"}
    validate_agent({"objectType": "Group", "openid": "http://id.example/1"}, V2)


@pytest.mark.parametrize(("agent", "path"), [
    ("wrong", "agent"), ({"mbox": "a@b.c"}, "agent.mbox"), (GROUP, "agent"),
    ({"name": "x"}, "agent"), ({"mbox": "mailto:a@b.c", "x": 1}, "agent.x"),
])
def test_validate_agent_refuses_with_paths_under_the_given_root(agent, path):
    with pytest.raises(BadRequest) as caught:
        validate_agent(agent, V1, "agent")
    assert [e.path for e in caught.value.errors] == [path]
