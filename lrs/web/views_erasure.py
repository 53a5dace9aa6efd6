"""The erasure page: an admin erases one person from one store (GDPR Art. 17).

A preview first (a dry run), then the erasure once the admin confirms it. Both
go through :func:`lrs.services.admin.erase_person`, as ``lrs people erase`` does: the
actor is the signed-in person (``admin:<email>``), the source the browser's
request.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, render_template, request

from lrs.auth.roles import ADMIN
from lrs.machinery.manager import PluginError
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.services import admin
from lrs.store.erasure import count_titles
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import BadRequest, XapiError
from lrs.xapi.validate import validate_agent
from lrs.xapi.versions import XapiVersion


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/erasure", "erasure", erasure, methods=["GET", "POST"])


@requires_role(ADMIN)
def erasure() -> Any:
    """GET: the form. POST: preview (``action=preview``) or erase (``action=erase`` with
    ``confirm=yes``)."""
    if request.method == "GET":
        return _page({})
    form = {"agent": request.form.get("agent", "").strip(),
            "tenant": request.form.get("tenant", "").strip() or "default"}
    erase = request.form.get("action") == "erase"
    try:
        if erase and request.form.get("confirm") != "yes":
            raise BadRequest("tick the box to confirm that the erasure cannot be undone")
        runtime = current_runtime()
        tenant_id = runtime.tenant_id(form["tenant"])
        counts = admin.erase_person(runtime, actor=g.web_user.actor, agent=_agent(form["agent"]),
                                    tenant_id=tenant_id, dry_run=not erase,
                                    source=request_source())
    except XapiError as exc:
        return _page(form, error=exc.message), 400
    except PluginError as exc:  # logged with its traceback where it was raised
        return _page(form, error=str(exc)), 500
    return _page(form, counts=counts, erased=erase)


def _page(form: dict[str, str], **shown: Any) -> str:
    """The page with the form (stores to choose from) and what ``shown`` adds."""
    with current_runtime().db.read() as session:
        tenants = [name for _, name in sorted(tenant_names(session).items())]
    counts = shown.get("counts")
    return render_template("web/erasure.html", form=form, tenants=tenants,
                           titles=count_titles(counts) if counts else [], **shown)


def _agent(text: str) -> dict[str, Any]:
    """The Agent typed in the form, validated as the ``agent`` of an xAPI request."""
    try:
        agent = json.loads(text)
    except ValueError:
        raise BadRequest('the agent must be JSON, e.g. {"mbox": "mailto:ada@example.com"}'
                         ) from None
    return validate_agent(agent, XapiVersion.V2_0_0, "agent")
