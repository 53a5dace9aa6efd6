"""Fixed-width keys of learners and activities, the same from a statement and from a person.

A statement names a learner by one identity (``mbox``, ``mbox_sha1sum``,
``openid`` or ``account``); the people directory knows every identity of a
person (``Person.agents``). Rollups are keyed by the SHA-1 of the identity's
canonical text, so a population (a group's people) is turned into the keys of
all its members' identities and matched against the rollups without a join on
long IRIs. E-mail addresses are compared without regard to case, as the
directory does, and a person known by ``mbox`` is also found under the
``mbox_sha1sum`` of that address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from lrs.plugin.host import Person


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def identity(agent: Any) -> str | None:
    """The canonical identity of an Agent (or identified Group); ``None`` without one."""
    if not isinstance(agent, dict):
        return None
    if isinstance(mbox := agent.get("mbox"), str):
        return "mbox:" + mbox.lower()
    if isinstance(sha1sum := agent.get("mbox_sha1sum"), str):
        return "mbox_sha1sum:" + sha1sum.lower()
    if isinstance(openid := agent.get("openid"), str):
        return "openid:" + openid
    account = agent.get("account")
    if isinstance(account, dict):
        home, name = account.get("homePage"), account.get("name")
        if isinstance(home, str) and isinstance(name, str):
            return f"account:{home}|{name}"
    return None


def learner_key(agent: Any) -> str | None:
    """The rollups' key of the learner ``agent`` names; ``None`` when it names no one."""
    canonical = identity(agent)
    return None if canonical is None else _sha1(canonical)


def activity_key(iri: str) -> str:
    return _sha1(iri)


def person_keys(person: Person) -> set[str]:
    """Every rollup key under which statements about ``person`` may be filed."""
    return agent_keys(person.agents)


def agent_keys(agents: Iterable[Any]) -> set[str]:
    """Every rollup key under which statements about a person known by ``agents`` (their
    ``Person.agents``) may be filed."""
    keys: set[str] = set()
    for agent in agents:
        canonical = identity(agent)
        if canonical is not None:
            keys.update(_identity_keys(canonical))
    return keys


@lru_cache(maxsize=65_536)
def _identity_keys(canonical: str) -> tuple[str, ...]:
    """The rollup keys of one canonical identity, remembered: a dashboard filtered by
    a group turns its 5,000 people's identities into keys at every request (three
    SHA-1 a mailbox)."""
    if canonical.startswith("mbox:"):
        return _sha1(canonical), _sha1("mbox_sha1sum:" + _sha1(canonical.removeprefix("mbox:")))
    return (_sha1(canonical),)


def keys_of(members: Mapping[str, Iterable[Any]]) -> dict[str, str]:
    """``{rollup key: employee id}`` of ``members`` (``{employee id: their agents}``)."""
    return {
        key: employee_id for employee_id, agents in members.items() for key in agent_keys(agents)
    }
