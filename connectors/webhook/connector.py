"""A webhook instance: its configuration, which statements it wants, and its runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from connectors.outbound.delivery import (
    Outgoing,
    Progress,
    Sent,
    Undelivered,
    drain,
    find_instance,
)
from connectors.outbound.queue import Backlog
from connectors.webhook.notifications import EVENT as NOTIFICATION_EVENT
from connectors.webhook.notifications import post_notifications
from connectors.webhook.signing import HEADER, signature
from connectors.webhook.statuses import EVENT as STATUS_EVENT
from connectors.webhook.statuses import post_status_changes
from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.notifications import TOPIC_FILTER
from lrs.plugin.remote import RemoteError, Sessions, failure, request

if TYPE_CHECKING:
    from lrs.plugin.host import ConnectorInstance, Host, StoredStatement

TYPE_NAME = "webhook"
#: Verbs that say an activity was completed (besides ``result.completion: true``).
COMPLETION_VERBS = frozenset(
    {"http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"}
)
#: The ``type`` of the JSON body, and its ``Weft-Event`` header.
EVENT = "statement.completed"
RUN_SECONDS = 30.0


class WebhookConfig(Schema):
    url = fields.Url(
        required=True,
        require_tld=False,
        schemes={"http", "https"},
        metadata={"description": "Where completions are POSTed."},
    )
    secret = fields.String(
        required=True,
        validate=validate.Length(min=16),
        metadata={
            "secret": True,
            "description": "Signing secret of Weft-Signature "
            "(HMAC-SHA256), at least 16 characters.",
        },
    )
    activities = fields.List(
        fields.String(validate=validate.Length(min=1)),
        load_default=list,
        metadata={"description": "Only completions of these activity ids (any if empty)."},
    )
    batch_size = fields.Integer(
        load_default=100,
        validate=validate.Range(1, 1000),
        metadata={"description": "Calls per queue read."},
    )
    timeout_seconds = fields.Float(
        load_default=10.0,
        validate=validate.Range(1, 120),
        metadata={"description": "Wait for each answer."},
    )
    statuses = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also POST compliance status changes of assignments "
            "(compliance.status_changed)."
        },
    )
    topics = fields.List(
        fields.String(validate=validate.Regexp(TOPIC_FILTER)),
        load_default=list,
        metadata={
            "description": "Also POST notifications of these topics "
            "(kpi.status_changed; * for every topic): docs/notifications.md."
        },
    )
    status_check_minutes = fields.Integer(
        load_default=15,
        validate=validate.Range(1, 1440),
        metadata={
            "description": "How often statuses are compared (they also change "
            "with time: due soon, overdue)."
        },
    )


def is_completion(statement: Mapping[str, Any]) -> bool:
    result = statement.get("result")
    return statement.get("verb", {}).get("id") in COMPLETION_VERBS or (
        isinstance(result, Mapping) and result.get("completion") is True
    )


def select(
    host: Host, instance: ConnectorInstance, statements: Sequence[StoredStatement]
) -> list[StoredStatement]:
    """:data:`connectors.outbound.queue.Selector`: completions of the chosen activities."""
    activities = frozenset(instance.config.get("activities") or ())
    return [
        s
        for s in statements
        if is_completion(s) and (not activities or s.get("object", {}).get("id") in activities)
    ]


def body(statement: Outgoing) -> bytes:
    """``{"type": ..., "id": <statement id>, "statement": <as stored>}``, the statement's
    text spliced in as stored (not encoded again)."""
    return (
        f'{{"type":"{EVENT}","id":"{statement.id}","statement":' + statement.json + "}"
    ).encode()


@dataclass
class Webhook:
    host: Host
    config: dict[str, Any]

    def sync(self, run: SyncRun) -> SyncSummary:
        instance = find_instance(self.host, TYPE_NAME, run)
        self._http = Sessions("Weft-LRS webhook")
        try:
            summary = drain(
                self.host,
                run,
                Backlog(self.host, instance.id),
                self.send,
                Progress(),
                batch_size=self.config["batch_size"],
                budget_seconds=RUN_SECONDS,
            )
            if self.config["statuses"]:
                changes = post_status_changes(
                    self.host,
                    run.tenant_id,
                    instance.id,
                    every_seconds=self.config["status_check_minutes"] * 60,
                    post=partial(self._post, event=STATUS_EVENT),
                )
                summary = replace(summary, sent=summary.sent + changes)
            # Whatever ``topics`` says now: what was queued while it named them is owed.
            alerts = post_notifications(
                self.host,
                run.tenant_id,
                instance.id,
                partial(self._post, event=NOTIFICATION_EVENT),
            )
            summary = replace(summary, sent=summary.sent + alerts)
            return summary
        finally:
            self._http.close()

    def send(self, statements: list[Outgoing]) -> Sent:
        """One POST per statement, in order; any answer but 2xx stops (retried later)."""
        done: list[str] = []
        for statement in statements:
            try:
                self._post(body(statement), statement.id)
            except RemoteError as exc:
                raise Undelivered(done, exc) from None
            done.append(statement.id)
        return Sent(len(done))

    def _post(self, payload: bytes, key: str, *, event: str = EVENT) -> None:
        """One signed POST; :class:`RemoteError` unless the answer is 2xx."""
        headers = {
            "Content-Type": "application/json",
            "Weft-Event": event,
            "Idempotency-Key": key,
            HEADER: signature(self.config["secret"], payload),
        }
        response = request(
            "POST",
            self.config["url"],
            what="the webhook",
            timeout=self.config["timeout_seconds"],
            session=self._http.get(),
            data=payload,
            headers=headers,
            allow_redirects=False,
            body_unused=True,  # a 2xx acknowledges: what it says is not read
        )
        if not 200 <= response.status_code < 300:
            raise failure(response, "the webhook")
