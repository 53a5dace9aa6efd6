"""``/api/notifications``: what plugins raised and how it was delivered; email subscriptions.

Weft's own API (no xAPI version header). Reading needs ``notifications/read``,
changing subscriptions ``notifications/write`` (neither is implied by ``all``);
every view covers the caller's tenant only. Each change is an administrative
action in the audit trail, under ``credential:<key>``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lrs.auth.protector import protect
from lrs.http.body import parse_json, read_body
from lrs.models.types import iso_time
from lrs.plugin.request import api_actor, parse_whole_number, request_source
from lrs.runtime import current_runtime
from lrs.services import notifications
from lrs.store import notifications as store
from lrs.xapi.errors import BadRequest, ErrorDetail

READ, WRITE = "notifications/read", "notifications/write"
#: Most notifications one ``GET`` returns (and its default).
MAX_LIMIT = 500


def create_notifications_blueprint() -> Blueprint:
    bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")
    bp.add_url_rule("", "list", protect(READ)(_list), methods=["GET"])
    bp.add_url_rule(
        "/subscriptions", "subscriptions", protect(READ)(_subscriptions), methods=["GET"]
    )
    bp.add_url_rule("/subscriptions", "subscribe", protect(WRITE)(_subscribe), methods=["POST"])
    bp.add_url_rule(
        "/subscriptions", "unsubscribe", protect(WRITE)(_unsubscribe), methods=["DELETE"]
    )
    return bp


def _list() -> Any:
    """The store's latest notifications, newest first: ``?topic=`` and ``?limit=`` (500)."""
    limit = parse_whole_number(request.args.get("limit", str(MAX_LIMIT)), low=1, high=MAX_LIMIT)
    if limit is None:
        raise BadRequest(
            f"parameter limit must be 1 to {MAX_LIMIT}",
            errors=[ErrorDetail("limit", f"must be 1 to {MAX_LIMIT}")],
        )
    with current_runtime().db.read() as session:
        found = store.recent(
            session,
            g.principal.tenant_id,
            limit=limit,
            topic=request.args.get("topic") or None,
        )
    return jsonify(
        {
            "notifications": [
                {
                    "id": row.uid,
                    "topic": row.topic,
                    "subject": row.subject,
                    "text": row.text,
                    "data": json.loads(row.data),
                    "plugin": row.plugin,
                    "raised": iso_time(row.raised_us),
                    "deliveries": [
                        {
                            "channel": d.channel,
                            "state": d.state,
                            "attempts": d.attempts,
                            "error": d.last_error,
                            "updated": iso_time(d.updated_us),
                        }
                        for d in deliveries
                    ],
                }
                for row, deliveries in found
            ]
        }
    )


def _subscriptions() -> Any:
    found = notifications.subscriptions(current_runtime(), tenant_id=g.principal.tenant_id)
    return jsonify(
        {
            "subscriptions": [
                {
                    "topic": s.topic,
                    "email": s.email,
                    "since": iso_time(s.created_us),
                    "by": s.created_by,
                }
                for s in found
            ]
        }
    )


def _subscribe() -> Any:
    """``{"topic": ..., "email": ...}``: 201 when added, 200 when it already was."""
    body = parse_json(read_body())
    if not isinstance(body, dict):
        raise BadRequest(
            "$: must be a JSON object with topic and email",
            errors=[ErrorDetail("$", "must be a JSON object")],
        )
    created = notifications.subscribe(
        current_runtime(),
        tenant_id=g.principal.tenant_id,
        topic=body.get("topic"),
        email=body.get("email"),
        actor=api_actor(),
        source=request_source(),
    )
    topic, email = notifications.checked_subscription(body.get("topic"), body.get("email"))
    return jsonify({"topic": topic, "email": email}), 201 if created else 200


def _unsubscribe() -> Any:
    """``?topic=...&email=...``: 204, or 404 when there was no such subscription."""
    notifications.unsubscribe(
        current_runtime(),
        tenant_id=g.principal.tenant_id,
        topic=request.args.get("topic"),
        email=request.args.get("email"),
        actor=api_actor(),
        source=request_source(),
    )
    return Response(status=204)
