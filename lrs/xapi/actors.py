"""Agents and Groups (Data 2.4.2): identification rules and the places actors appear.

An Agent has exactly one Inverse Functional Identifier (IFI); a Group has at most
one (none: anonymous, then it must list its members). Where an actor appears
decides what is allowed: ``team`` is a Group, ``authority`` is an Agent or the
two-member anonymous Group OAuth 1.0 uses, Group members are Agents.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from lrs.xapi import fields as f
from lrs.xapi.schema_base import XapiSchema, constant

#: The Inverse Functional Identifier properties, in the order messages name them.
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def present_ifis(obj: dict[str, Any]) -> list[str]:
    """The IFI properties an actor object carries (whatever their values)."""
    return [name for name in IFI_PROPERTIES if name in obj]


class AccountSchema(XapiSchema):
    homePage = f.irl(required=True)
    name = f.account_name(required=True)


ACCOUNT = AccountSchema()


class AgentSchema(XapiSchema):
    objectType = constant("Agent")
    name = f.Str()
    mbox = f.Mbox()
    mbox_sha1sum = f.sha1()
    openid = f.iri()
    account = f.Nested(ACCOUNT)

    def check(self, data: dict, original: dict) -> None:
        found = present_ifis(original)
        if len(found) != 1:
            raise ValidationError(_ifi_message(found, "an Agent"))


AGENT = AgentSchema()


class GroupSchema(XapiSchema):
    objectType = constant("Group", required=True)
    name = f.Str()
    member = f.NestedList(AGENT)
    mbox = f.Mbox()
    mbox_sha1sum = f.sha1()
    openid = f.iri()
    account = f.Nested(ACCOUNT)

    def check(self, data: dict, original: dict) -> None:
        found = present_ifis(original)
        if len(found) > 1:
            raise ValidationError(_ifi_message(found, "a Group"))
        if not found and not original.get("member"):
            raise ValidationError(
                {"member": ["an anonymous Group (one without mbox, mbox_sha1sum, openid or "
                            "account) must list at least one member"]}
            )


GROUP = GroupSchema()


def _ifi_message(found: list[str], what: str) -> str:
    if not found:
        return f"{what} needs exactly one of mbox, mbox_sha1sum, openid, account"
    return (f"{what} must have only one of mbox, mbox_sha1sum, openid, account; "
            f"found {', '.join(found)}")


def load_actor(value: Any) -> dict[str, Any]:
    """An Agent or a Group, told apart by ``objectType`` (absent means Agent)."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return f.load_object(GROUP, value)
    return f.load_object(AGENT, value)


class Actor(f.XapiField):
    """``actor``, ``instructor``, members of context agents: Agent or Group."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        return load_actor(value)


class AgentOnly(f.XapiField):
    """An Agent; a Group is refused with a message that says so."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if isinstance(value, dict) and value.get("objectType") == "Group":
            raise ValidationError({"objectType": ['must be "Agent" here (a Group is not allowed)']})
        return f.load_object(AGENT, value)


class GroupOnly(f.XapiField):
    """``team`` and context groups: a Group (``objectType`` "Group" is required)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        return f.load_object(GROUP, value)


class Authority(f.XapiField):
    """An Agent, or the anonymous Group of exactly two Agents of OAuth 1.0 (Data 2.4.9)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        group = load_actor(value)
        if group.get("objectType") != "Group":
            return group
        if present_ifis(group):
            raise ValidationError("an authority Group must be anonymous (no mbox, mbox_sha1sum, "
                                  "openid or account)")
        if len(group.get("member", ())) != 2:
            raise ValidationError({"member": ["an authority Group must have exactly two members "
                                              "(the OAuth consumer and the user)"]})
        return group


def agent_ifi_key(agent: dict[str, Any]) -> str:
    """Canonical identity of an Agent or identified Group, ``""`` if it has no IFI.

    ``mbox:<mailto IRI>``, ``mbox_sha1sum:<lowercase hex>``, ``openid:<URI>`` or
    ``account:<homePage>|<name>`` (a valid homePage cannot contain ``|``). The
    storage layer indexes statements on it, so equal IFIs must give equal keys:
    hex digests are lowercased because their case carries no meaning.
    """
    if not isinstance(agent, dict):
        return ""
    mbox = agent.get("mbox")
    if isinstance(mbox, str):
        return f"mbox:{mbox}"
    sha1sum = agent.get("mbox_sha1sum")
    if isinstance(sha1sum, str):
        return f"mbox_sha1sum:{sha1sum.lower()}"
    openid = agent.get("openid")
    if isinstance(openid, str):
        return f"openid:{openid}"
    account = agent.get("account")
    if isinstance(account, dict):
        home, name = account.get("homePage"), account.get("name")
        if isinstance(home, str) and isinstance(name, str):
            return f"account:{home}|{name}"
    return ""
