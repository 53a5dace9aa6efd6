"""Notifications out: what plugins raise (``host.notify``) POSTed to the webhook, signed.

An instance whose ``topics`` name a notification's topic (``*``: every topic)
is owed it: the ``notification_raised`` hook queues it for the instance's
channel (``webhook:<instance id>``, shown on the Notifications page) and makes
the instance due; each run then POSTs what its channel is owed, oldest first,
with the notification's random ``uid`` as the idempotency key. A call
answered 2xx is recorded as sent; any other answer is recorded (the page shows
it) and fails the run, which the connectors runtime retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lrs.plugin.remote import RemoteError

if TYPE_CHECKING:
    from lrs.plugin.events import NotificationRaised
    from lrs.plugin.host import ConnectorInstance, Host

#: The ``type`` of the JSON body, and its ``Weft-Event`` header.
EVENT = "notification"
#: Notifications read per query of a run.
BATCH = 100


def channel(instance_id: int) -> str:
    return f"webhook:{instance_id}"


def wants(instance: ConnectorInstance, topic: str) -> bool:
    topics = instance.config.get("topics") or ()
    return topic in topics or "*" in topics


def queue(host: Host, event: NotificationRaised, type_name: str) -> None:
    """Owe the notification to every instance of the store that wants its topic."""
    for instance in host.connector_instances(type_name, event.tenant_id):
        if wants(instance, event.topic):
            host.queue_notification(event.notification_id, channel(instance.id))
            if instance.enabled and not instance.paused:
                host.run_connector_soon(instance.id)


def post_notifications(
    host: Host, tenant_id: int, instance_id: int, post: Callable[[bytes, str], None]
) -> int:
    """POST what the instance is owed; return how many were sent.

    :raises RemoteError: a call failed (recorded on the notification first).
    """
    sent = 0
    name = channel(instance_id)
    while owed := host.notifications_owed(tenant_id, name, limit=BATCH):
        for notification in owed:
            try:
                post(notification.as_json().encode(), notification.uid)
            except RemoteError as exc:
                host.record_notification_delivery(notification.id, name, error=str(exc))
                raise
            host.record_notification_delivery(notification.id, name)
            sent += 1
    return sent
