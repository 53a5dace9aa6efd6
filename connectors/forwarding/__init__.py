"""Statement forwarding: this store's statements sent on to another LRS, at least once.

Registered through the ``forwarding`` entry point of ``lrs.plugins``, like any
third-party connector. Each committed batch is queued for every forwarding
instance of its store whose filter it passes (:mod:`connectors.outbound.queue`);
an instance's runs POST the queue to the receiving LRS with the statements' ids
kept (:mod:`connectors.forwarding.receiver`). See docs/connectors.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connectors.forwarding.config import ForwardingConfig
from connectors.forwarding.connector import TYPE_NAME, Forwarder
from connectors.forwarding.filters import select
from connectors.outbound import MIGRATIONS
from connectors.outbound.queue import OutboundType
from lrs.plugin.connectors import ConnectorType
from lrs.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from lrs.plugin.events import AdminActionTaken, StatementsStored
    from lrs.plugin.host import Host

OUTBOUND = OutboundType(TYPE_NAME, select)

FORWARDING = ConnectorType(
    name=TYPE_NAME,
    description="Forward statements to another LRS (xAPI 1.0.3 or 2.0, Basic or OAuth2), "
    "filtered by verb, activity and actor, at least once, ids kept.",
    config_schema=ForwardingConfig,
    create=Forwarder,
)


@hookimpl
def register_connector_types() -> list[ConnectorType]:
    return [FORWARDING]


@hookimpl
def register_migrations() -> list[Path]:
    return [MIGRATIONS]


@hookimpl
def statements_stored(host: Host, event: StatementsStored, statements_json: list[str]) -> None:
    OUTBOUND.statements_stored(host, event.tenant_id, statements_json)


@hookimpl
def admin_action_taken(host: Host, event: AdminActionTaken) -> None:
    if event.action == "connector.deleted" and event.details.get("type") == TYPE_NAME:
        OUTBOUND.forget_deleted(host)
