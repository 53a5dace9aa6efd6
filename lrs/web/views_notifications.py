"""The Notifications page: what plugins raised (``host.notify``) and how each channel did.

Admins and analysts see a store's latest notifications with their topic,
subject, time and, per channel (email, each webhook instance), the delivery's
state, attempts and last error. Subjects and texts come from plugins and are
shown escaped (Jinja's autoescape: nothing here is marked safe).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from lrs.auth.roles import ADMIN, ANALYST
from lrs.models.types import iso_time
from lrs.runtime import current_runtime
from lrs.store import connectors as connector_store
from lrs.store import notifications as store
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import XapiError

#: Notifications listed per page.
LIMIT = 200


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/notifications", "notifications", notifications_page)


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
        channel_name=lambda channel: webhooks.get(channel, channel) if not error else channel,
    ), status
