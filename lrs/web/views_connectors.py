"""Connector pages (admin role): the list, a form per type, each instance and its runs.

Changes go through :mod:`lrs.services.connectors`, as ``lrs connectors`` makes
them, each committed with its ``admin_action_taken`` event (actor
``admin:<email>``). "Run now" makes the instance due: ``lrs worker`` runs it
within ``LRS_CONNECTOR_POLL_SECONDS`` (a web request never runs a connector).
Secret fields are password inputs that are never filled in: left empty on an
update, a secret keeps its value.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from lrs.auth.roles import ADMIN
from lrs.models.types import iso_time
from lrs.plugin.connectors import ConnectorType
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.services import connectors as service
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import NotFound, XapiError

#: The buttons of an instance's page and the :func:`service.set_state` action of each.
_ACTIONS = {"run": "run-soon", "enable": "enable", "disable": "disable", "resume": "resume"}


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/connectors", "connectors", connectors, methods=["GET"])
    bp.add_url_rule("/admin/connectors/new/<type_name>", "new_connector", new_connector,
                    methods=["GET", "POST"])
    bp.add_url_rule("/admin/connectors/<tenant>/<name>", "connector", connector,
                    methods=["GET", "POST"])
    bp.add_url_rule("/admin/connectors/<tenant>/<name>/<action>", "connector_action",
                    connector_action, methods=["POST"])


@requires_role(ADMIN)
def connectors() -> Any:
    """Every store's instances, and the types one can be created of."""
    runtime = current_runtime()
    with runtime.db.read() as session:
        names = tenant_names(session)
    rows = [(names[tenant_id], view) for tenant_id in sorted(names)
            for view in service.list_connectors(runtime, tenant_id)]
    return render_template("web/connectors.html", rows=rows, types=list(runtime.connector_types),
                           iso_time=iso_time)


@requires_role(ADMIN)
def new_connector(type_name: str) -> Any:
    """GET: the type's form. POST: create the instance, then show it."""
    runtime = current_runtime()
    connector_type = _connector_type(type_name)
    form = request.form
    if request.method == "GET":
        return _form_page(connector_type, form={"schedule": "every 1h"})
    try:
        tenant = form.get("tenant") or "default"
        view = service.create_connector(
            runtime, runtime.connector_types, tenant_id=runtime.tenant_id(tenant),
            name=form.get("name", "").strip(), type_name=type_name, config={},
            texts=_texts(connector_type), schedule=form.get("schedule", ""),
            enabled=form.get("enabled") == "yes", actor=g.web_user.actor,
            source=request_source())
    except XapiError as exc:
        return _form_page(connector_type, form=form, error=exc.message,
                          errors=getattr(exc, "errors", None)), 400
    flash(f"Created connector {view.name!r}.", "info")
    return redirect(url_for("web.connector", tenant=tenant, name=view.name))


@requires_role(ADMIN)
def connector(tenant: str, name: str) -> Any:
    """GET: the instance, its settings form and its runs. POST: change its settings."""
    runtime = current_runtime()
    tenant_id = runtime.tenant_id(tenant)
    view = service.connector_named(runtime, tenant_id, name)
    connector_type = runtime.connector_types.get(view.type)
    if request.method == "POST" and connector_type is not None:
        try:
            view = service.update_connector(
                runtime, runtime.connector_types, tenant_id=tenant_id, name=name,
                texts=_texts(connector_type),
                unset=tuple(f.name for f in connector_type.fields()
                            if not (f.secret or f.required or f.boolean)
                            and not request.form.get(f.name, "").strip()
                            and f.name in view.config),
                schedule=request.form.get("schedule"), actor=g.web_user.actor,
                source=request_source())
        except XapiError as exc:  # shown again as typed, but for secrets
            typed = {f.name: request.form.get(f.name, "") for f in connector_type.fields()
                     if not f.secret}
            return _instance_page(tenant, view, connector_type, error=exc.message,
                                  typed=typed), 400
        flash("Saved.", "info")
        return redirect(url_for("web.connector", tenant=tenant, name=name))
    return _instance_page(tenant, view, connector_type)


@requires_role(ADMIN)
def connector_action(tenant: str, name: str, action: str) -> Any:
    """Run now, enable, disable, resume or delete."""
    runtime = current_runtime()
    try:
        tenant_id = runtime.tenant_id(tenant)
        if action == "delete":
            service.delete_connector(runtime, tenant_id=tenant_id, name=name,
                                     actor=g.web_user.actor, source=request_source())
            flash(f"Deleted connector {name!r}.", "info")
            return redirect(url_for("web.connectors"))
        if action not in _ACTIONS:
            raise NotFound(f"no connector action {action!r}")
        view = service.set_state(runtime, tenant_id=tenant_id, name=name,
                                 action=_ACTIONS[action], actor=g.web_user.actor,
                                 source=request_source())
    except XapiError as exc:
        flash(exc.message, "error")
    else:
        flash("Due now: a worker runs it within seconds." if action == "run"
              else f"Connector {name!r} is {view.state}.", "info")
    return redirect(url_for("web.connector", tenant=tenant, name=name))


def _connector_type(name: str) -> ConnectorType:
    found = current_runtime().connector_types.get(name)
    if found is None:
        raise NotFound(f"no connector type {name!r}")
    return found


def _texts(connector_type: ConnectorType) -> dict[str, str]:
    """The type's fields filled in the form: an empty one is left out (on an update, a
    secret left empty keeps its value; other optional fields emptied are unset)."""
    texts = {}
    for field in connector_type.fields():
        value = request.form.get(field.name, "")
        if field.boolean:
            value = "true" if value == "yes" else "false"
        elif not value.strip():
            continue
        texts[field.name] = value
    return texts


def _form_page(connector_type: ConnectorType, *, form: Any, error: str | None = None,
               errors: Any = None) -> str:
    with current_runtime().db.read() as session:
        tenants = [name for _, name in sorted(tenant_names(session).items())]
    return render_template("web/connector_new.html", type=connector_type,
                           fields=connector_type.fields(), form=form, tenants=tenants,
                           error=error, errors=errors or [])


def _instance_page(tenant: str, view: service.InstanceView,
                   connector_type: ConnectorType | None, error: str | None = None,
                   typed: dict[str, str] | None = None) -> str:
    """The instance's page; its form shows the stored configuration, or what was
    ``typed`` in a form that was refused."""
    runs = service.connector_runs(current_runtime(), view.tenant_id, view.name, limit=50)
    texts = typed
    if texts is None:
        texts = service.texts_from_values(connector_type, view.config) if connector_type \
            else {}
    return render_template("web/connector.html", tenant=tenant, view=view,
                           type=connector_type, texts=texts,
                           fields=connector_type.fields() if connector_type else [],
                           runs=runs, error=error, iso_time=iso_time)
