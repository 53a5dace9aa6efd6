"""The assignments page: an admin lists, creates and deletes a store's assignments.

The form is read into the same JSON object ``POST /api/assignments`` takes and goes
through :mod:`lrs.services.assignments`, so its rules and error messages are the
API's; the actor is the signed-in person (``admin:<email>``), the source the
browser's request.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from lrs.auth.roles import ADMIN
from lrs.plugin.request import parse_whole_number, request_source
from lrs.runtime import current_runtime
from lrs.services import assignments
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import NotFound, XapiError


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/assignments", "assignments", assignments_page,
                    methods=["GET", "POST"])
    bp.add_url_rule("/admin/assignments/<assignment_id>/delete", "delete_assignment",
                    delete_assignment, methods=["POST"])


@requires_role(ADMIN)
def assignments_page() -> Any:
    """GET: the store's assignments and the form (``?tenant=NAME``). POST: create one."""
    tenant = (request.values.get("tenant") or "default").strip()
    if request.method == "GET":
        return _page(tenant, {})
    form = {name: request.form.get(name, "").strip() for name in (
        "target_kind", "target", "activities", "program", "due", "every_months",
        "due_soon_days")}
    runtime = current_runtime()
    try:
        record = assignments.parse_assignment(_spec(form))
        created = assignments.create_assignment(
            runtime, record, actor=g.web_user.actor, tenant_id=runtime.tenant_id(tenant),
            source=request_source())
    except XapiError as exc:
        return _page(tenant, form, error=exc.message), 400
    flash(f"Created assignment {created.id}.", "info")
    return redirect(url_for("web.assignments", tenant=tenant))


@requires_role(ADMIN)
def delete_assignment(assignment_id: str) -> Any:
    tenant = (request.form.get("tenant") or "default").strip()
    runtime = current_runtime()
    try:
        number = parse_whole_number(assignment_id, low=0)
        if number is None:
            raise NotFound(f"no assignment {assignment_id!r} in this store")
        assignments.delete_assignment(runtime, number, actor=g.web_user.actor,
                                      tenant_id=runtime.tenant_id(tenant),
                                      source=request_source())
    except XapiError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Deleted assignment {assignment_id}.", "info")
    return redirect(url_for("web.assignments", tenant=tenant))


def _spec(form: dict[str, str]) -> dict[str, Any]:
    """The API's JSON object for what the form says (numbers stay text when not numbers,
    so the message is the API's)."""
    activities = [line.strip() for line in form["activities"].splitlines() if line.strip()]
    spec: dict[str, Any] = {
        "person" if form["target_kind"] == "person" else "group": form["target"] or None,
        "due": form["due"], "program": form["program"] or None,
        **({"activity": activities[0]} if len(activities) == 1
           else {"activities": activities})}
    for name in ("every_months", "due_soon_days"):
        if form[name]:
            number = parse_whole_number(form[name], low=0)
            spec[name] = form[name] if number is None else number
    return spec


def _page(tenant: str, form: dict[str, str], error: str | None = None) -> str:
    runtime = current_runtime()
    with runtime.db.read() as session:
        tenants = [name for _, name in sorted(tenant_names(session).items())]
    try:
        rows = assignments.list_assignments(runtime, tenant_id=runtime.tenant_id(tenant))
    except XapiError as exc:
        rows, error = [], exc.message
    return render_template("web/assignments.html", rows=rows, tenant=tenant, tenants=tenants,
                           form=form, error=error)
