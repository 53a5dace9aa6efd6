"""The Notifications page: what plugins raised (``host.notify``) and how each channel did.

Admins and analysts see a store's latest notifications with their topic,
subject, time and, per channel (email, each webhook instance), the delivery's
state, attempts and last error. Subjects and texts come from plugins and are
shown escaped (Jinja's autoescape: nothing here is marked safe). Admins also
manage the store's email subscriptions here and send a test message.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from lrs.auth.roles import ADMIN, ANALYST
from lrs.models.types import iso_time
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.services import notifications
from lrs.services.email_channel import EmailError
from lrs.store import connectors as connector_store
from lrs.store import notifications as store
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import BadRequest, XapiError

#: Notifications listed per page.
LIMIT = 200


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/notifications", "notifications", notifications_page)
    bp.add_url_rule(
        "/notifications/subscriptions",
        "notification_subscriptions",
        change_subscriptions,
        methods=["POST"],
    )


@requires_role(ADMIN)
def change_subscriptions() -> Any:
    """An admin subscribes or unsubscribes an address (``action``), or mails it a test;
    recorded as their admin action. Mistakes come back as a message on the page."""
    runtime = current_runtime()
    tenant = (request.form.get("tenant") or "default").strip()
    action = request.form.get("action")
    topic, email = request.form.get("topic", ""), request.form.get("email", "")
    who = {"actor": g.web_user.actor, "source": request_source()}
    try:
        tenant_id = runtime.tenant_id(tenant)
        if action == "subscribe":
            created = notifications.subscribe(
                runtime, tenant_id=tenant_id, topic=topic, email=email, **who
            )
            done = (
                f"Subscribed {email.strip().lower()} to {topic.strip()}."
                if created
                else (f"{email.strip().lower()} was already subscribed to {topic.strip()}.")
            )
        elif action == "unsubscribe":
            notifications.unsubscribe(runtime, tenant_id=tenant_id, topic=topic, email=email, **who)
            done = f"Unsubscribed {email.strip().lower()} from {topic.strip()}."
        elif action == "test":
            notifications.send_test(runtime, tenant_id=tenant_id, to=email, **who)
            done = f"Sent a test message to {email.strip().lower()}."
        else:
            raise BadRequest("unknown action: subscribe, unsubscribe or test")
    except (XapiError, EmailError) as exc:
        flash(exc.message if isinstance(exc, XapiError) else str(exc), "error")
    else:
        flash(done, "info")
    return redirect(url_for("web.notifications", tenant=tenant))


@requires_role(ADMIN, ANALYST)
def notifications_page() -> Any:
    """The store's (``?tenant=NAME``) latest notifications, of one ``?topic=`` if given."""
    runtime = current_runtime()
    tenant = (request.args.get("tenant") or "default").strip()
    topic = (request.args.get("topic") or "").strip()
    error = None
    rows: list[tuple[Any, list[Any]]] = []
    subscriptions: list[Any] = []
    with runtime.db.read() as session:
        tenants = [name for _, name in sorted(tenant_names(session).items())]
        try:
            tenant_id = runtime.tenant_id(tenant)
        except XapiError as exc:
            error = exc.message
        else:
            rows = store.recent(session, tenant_id, limit=LIMIT, topic=topic or None)
            subscriptions = store.subscriptions(session, tenant_id)
            webhooks = {
                f"webhook:{i.id}": f"webhook {i.name}"
                for i in connector_store.instances(session, tenant_id=tenant_id)
            }
    status = 404 if error else 200
    return render_template(
        "web/notifications.html",
        rows=rows,
        tenant=tenant,
        tenants=tenants,
        topic=topic,
        subscriptions=subscriptions,
        error=error,
        iso_time=iso_time,
        email_on=bool(runtime.settings.smtp_host),
        channel_name=lambda channel: (
            webhooks.get(channel, "webhook (deleted)")
            if channel.startswith("webhook:") and not error
            else channel
        ),
    ), status
