"""Webhook out: completions POSTed as signed JSON to a URL, at least once.

Registered through the ``webhook`` entry point of ``lrs.plugins``. A statement
whose verb is completed or passed, or whose ``result.completion`` is true, is
queued for every webhook instance of its store whose activity filter it passes
(the queue and its delivery are those of statement forwarding,
:mod:`connectors.outbound`); each is POSTed on its own, signed with
HMAC-SHA256 (:mod:`connectors.webhook.signing`). With ``statuses`` on, it also
POSTs compliance status changes of assignments (:mod:`connectors.webhook.statuses`),
and with ``topics`` the notifications plugins raise (:mod:`connectors.webhook.notifications`).
See docs/connectors.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connectors.outbound import MIGRATIONS
from connectors.outbound.queue import OutboundType
from connectors.webhook.connector import TYPE_NAME, Webhook, WebhookConfig, select
from connectors.webhook.notifications import queue
from connectors.webhook.statuses import forget
from lrs.plugin.connectors import ConnectorType
from lrs.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from lrs.plugin.events import AdminActionTaken, NotificationRaised, StatementsStored
    from lrs.plugin.host import Host

OUTBOUND = OutboundType(TYPE_NAME, select)

WEBHOOK = ConnectorType(
    name=TYPE_NAME,
    description="POST completions (completed, passed, result.completion) as JSON signed "
    "with HMAC-SHA256 to a URL, at least once, with an idempotency key.",
    config_schema=WebhookConfig,
    create=Webhook,
)


@hookimpl
def register_connector_types() -> list[ConnectorType]:
    return [WEBHOOK]


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
        forget(host, [i.id for i in host.connector_instances(TYPE_NAME)])


@hookimpl
def notification_raised(host: Host, event: NotificationRaised) -> None:
    queue(host, event, TYPE_NAME)
