"""Agents and Groups (Data 2.4.2): identification rules and the places actors appear.

An Agent has exactly one Inverse Functional Identifier (IFI); a Group has at most
one (none: anonymous, then it must list its members). Where an actor appears
decides what is allowed: ``team`` is a Group, ``authority`` is an Agent or the
two-member anonymous Group OAuth 1.0 uses, Group members are Agents.
"""

from __future__ import annotations

from typing import Any, Literal

from msgspec import UNSET, UnsetType

from lrs.xapi import fields as f
from lrs.xapi.schema_base import EMPTY_OBJECT, Problem, XapiStruct

#: The Inverse Functional Identifier properties, in the order messages name them.
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


class Account(XapiStruct, kw_only=True):
    homePage: f.Irl
    name: f.AccountName


class _Identified(XapiStruct, kw_only=True):
    """What Agents and Groups share: a name and the IFI properties."""

    name: str | UnsetType = UNSET
    mbox: f.Mbox | UnsetType = UNSET
    mbox_sha1sum: f.Sha1 | UnsetType = UNSET
    openid: f.Iri | UnsetType = UNSET
    account: Account | UnsetType = UNSET

    def ifis(self) -> list[str]:
        """The IFI properties present."""
        return [name for name in IFI_PROPERTIES if getattr(self, name) is not UNSET]


class Agent(_Identified, kw_only=True):
    objectType: Literal["Agent"] | UnsetType = UNSET

    def check(self) -> None:
        ifis = (
            (self.mbox is not UNSET)
            + (self.mbox_sha1sum is not UNSET)
            + (self.openid is not UNSET)
            + (self.account is not UNSET)
        )
        if ifis != 1:
            found = self.ifis()
            if all(getattr(self, name) is UNSET for name in self.__struct_fields__):
                raise Problem(((), EMPTY_OBJECT))
            raise Problem(((), _ifi_message(found, "an Agent")))


class Group(_Identified, kw_only=True):
    objectType: Literal["Group"]
    member: f.object_list(Agent) | UnsetType = UNSET

    def check(self) -> None:
        found = self.ifis()
        if len(found) > 1:
            raise Problem(((), _ifi_message(found, "a Group")))
        if not found and not self.member:
            raise Problem(
                (
                    ("member",),
                    "an anonymous Group (one without mbox, mbox_sha1sum, "
                    "openid or account) must list at least one member",
                )
            )


class AuthorityGroup(Group, kw_only=True):
    """The anonymous Group of exactly two Agents that OAuth 1.0 uses (Data 2.4.9)."""

    def check(self) -> None:
        if self.ifis():
            raise Problem(
                (
                    (),
                    "an authority Group must be anonymous (no mbox, mbox_sha1sum, "
                    "openid or account)",
                )
            )
        if len(self.member or ()) != 2:
            raise Problem(
                (
                    ("member",),
                    "an authority Group must have exactly two members "
                    "(the OAuth consumer and the user)",
                )
            )


def _ifi_message(found: list[str], what: str) -> str:
    if not found:
        return f"{what} needs exactly one of mbox, mbox_sha1sum, openid, account"
    return (
        f"{what} must have only one of mbox, mbox_sha1sum, openid, account; "
        f"found {', '.join(found)}"
    )


def actor_type(value: Any) -> type[XapiStruct]:
    """An Agent or a Group, told apart by ``objectType`` (absent means Agent)."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return Group
    return Agent


def authority_type(value: Any) -> type[XapiStruct]:
    """``authority``: an Agent, or the two-member anonymous Group of OAuth 1.0."""
    return AuthorityGroup if actor_type(value) is Group else Agent


def agent_only_type(value: Any) -> type[XapiStruct]:
    """An Agent where a Group is not allowed, with a message that says so."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        raise Problem((("objectType",), 'must be "Agent" here (a Group is not allowed)'))
    return Agent


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


def agent_of_key(key: str) -> dict[str, Any] | None:
    """The Agent an identity key stands for: the inverse of :func:`agent_ifi_key`
    (``None`` for a key of no Agent)."""
    kind, _, value = key.partition(":")
    if kind in ("mbox", "mbox_sha1sum", "openid"):
        return {"objectType": "Agent", kind: value}
    if kind == "account" and "|" in value:
        home, name = value.split("|", 1)
        return {"objectType": "Agent", "account": {"homePage": home, "name": name}}
    return None
