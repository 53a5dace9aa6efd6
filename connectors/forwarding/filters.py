"""Which statements a forwarding instance sends: its verbs, activities and actors.

Each list left empty lets everything through; the lists combine with AND. A
voiding statement goes wherever the statement it voids went, so the receiver
voids it too, whatever the voiding statement's own verb and actor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrs.plugin.host import ConnectorInstance, Host, StoredStatement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """An Agent's (or identified Group's) identifier as one comparable string."""
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    account = agent.get("account")
    if isinstance(account, Mapping):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


@dataclass(frozen=True)
class StatementFilter:
    verbs: frozenset[str]
    activities: frozenset[str]
    actors: frozenset[str]

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> StatementFilter:
        """From an instance's (public) configuration."""
        return cls(
            frozenset(config.get("verbs") or ()),
            frozenset(config.get("activities") or ()),
            frozenset(filter(None, map(agent_key, config.get("actors") or ()))),
        )

    @property
    def passes_all(self) -> bool:
        return not (self.verbs or self.activities or self.actors)

    def matches(self, statement: Mapping[str, Any]) -> bool:
        if self.verbs and statement.get("verb", {}).get("id") not in self.verbs:
            return False
        target = statement.get("object", {})
        if self.activities and not (
            target.get("objectType", "Activity") == "Activity"
            and target.get("id") in self.activities
        ):
            return False
        return not self.actors or bool(self.actors & _actor_keys(statement.get("actor", {})))

    def select(
        self, host: Host, tenant_id: int, statements: Sequence[StoredStatement]
    ) -> list[StoredStatement]:
        """The statements to forward, in their order (voiding ones as their target)."""
        if self.passes_all:
            return list(statements)
        voiding = {s["id"]: s["object"]["id"] for s in statements if _voids(s)}
        voided = (
            {
                t["id"]
                for t in host.get_statements(tenant_id, set(voiding.values()))
                if self.matches(t)
            }
            if voiding
            else set()
        )
        return [
            s for s in statements if self.matches(s) or voiding.get(s["id"], "").lower() in voided
        ]


def select(
    host: Host, instance: ConnectorInstance, statements: Sequence[StoredStatement]
) -> list[StoredStatement]:
    """:data:`connectors.outbound.queue.Selector` of the forwarding type."""
    return StatementFilter.of(instance.config).select(host, instance.tenant_id, statements)


def _voids(statement: Mapping[str, Any]) -> bool:
    return (
        statement.get("verb", {}).get("id") == VOIDED
        and statement.get("object", {}).get("objectType") == "StatementRef"
    )


def _actor_keys(actor: Mapping[str, Any]) -> set[str]:
    """The actor's identifier, and its members' for a Group."""
    keys = {agent_key(actor)}
    keys.update(agent_key(member) for member in actor.get("member") or ())
    return {key for key in keys if key}
