"""Admin pages: credentials and OAuth clients (list, create, revoke), plugins, configuration.

Changes go through :mod:`lrs.services.admin`, exactly as the ``lrs`` commands make them,
so each is committed with its ``admin_action_taken`` event; the actor is the
signed-in person (``admin:<email>``) and the source the browser's request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from lrs.auth.roles import ADMIN
from lrs.models import Credential
from lrs.models.types import iso_time
from lrs.plugin.request import request_source
from lrs.runtime import Runtime, current_runtime
from lrs.services import admin
from lrs.services.configuration import shown_configuration
from lrs.store import credentials, oauth_clients
from lrs.store.credentials import IssuedCredential
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import XapiError


@dataclass(frozen=True)
class GrantKind:
    """One kind of API access an admin hands out: Basic credentials or OAuth clients."""

    #: Endpoint of the list page; the revoke endpoint is ``revoke_<singular>``.
    endpoint: str
    singular: str
    title: str
    key_label: str
    secret_label: str
    list_rows: Callable[[Session], list[Credential]]
    create: Callable[..., IssuedCredential]
    revoke: Callable[[Runtime, str, str, dict[str, str]], None]


KINDS = (
    GrantKind("credentials", "credential", "Credentials", "Key", "Secret",
              credentials.list_credentials, admin.create_credential,
              lambda rt, actor, key, source: admin.revoke_credential(
                  rt, actor=actor, key=key, source=source)),
    GrantKind("oauth_clients", "oauth_client", "OAuth clients", "client_id", "client_secret",
              oauth_clients.list_clients, admin.create_oauth_client,
              lambda rt, actor, key, source: admin.revoke_oauth_client(
                  rt, actor=actor, client_id=key, source=source)),
)


def add_routes(bp: Blueprint) -> None:
    for kind in KINDS:
        path = "/admin/" + kind.endpoint.replace("_", "-")
        bp.add_url_rule(path, kind.endpoint, _list_and_create(kind), methods=["GET", "POST"])
        bp.add_url_rule(path + "/<key>/revoke", f"revoke_{kind.singular}", _revoke(kind),
                        methods=["POST"])
    bp.add_url_rule("/admin/plugins", "plugins", plugins, methods=["GET"])
    bp.add_url_rule("/admin/configuration", "configuration", configuration, methods=["GET"])


def _list_and_create(kind: GrantKind) -> Callable[[], Any]:
    @requires_role(ADMIN)
    def view() -> Any:
        if request.method == "GET":
            return _list_page(kind)
        name = request.form.get("name", "").strip()
        scopes = request.form.getlist("scope")
        if not name:
            return _list_page(kind, error="Give a name."), 400
        runtime = current_runtime()
        try:
            tenant_id = runtime.tenant_id(request.form.get("tenant") or None)
            issued = kind.create(runtime, actor=g.web_user.actor, name=name, scopes=scopes,
                                 tenant_id=tenant_id, source=request_source())
        except XapiError as exc:
            return _list_page(kind, error=exc.message), 400
        return render_template("web/created.html", kind=kind, issued=issued)

    view.__name__ = kind.endpoint
    return view


def _revoke(kind: GrantKind) -> Callable[[str], Any]:
    @requires_role(ADMIN)
    def view(key: str) -> Any:
        try:
            kind.revoke(current_runtime(), g.web_user.actor, key, request_source())
        except XapiError as exc:
            flash(exc.message, "error")
        else:
            flash(f"Revoked {key}: it no longer works.", "info")
        return redirect(url_for(f"web.{kind.endpoint}"))

    view.__name__ = f"revoke_{kind.singular}"
    return view


def _list_page(kind: GrantKind, error: str | None = None) -> str:
    runtime = current_runtime()
    with runtime.db.read() as session:
        names = tenant_names(session)
        rows = [{"key": row.key, "name": row.name, "tenant": names[row.tenant_id],
                 "scopes": row.scopes, "created": iso_time(row.created_us),
                 "revoked": iso_time(row.revoked_us)}
                for row in kind.list_rows(session)]
    return render_template("web/grants.html", kind=kind, rows=rows, scopes=list(runtime.scopes),
                           tenants=[name for _, name in sorted(names.items())], error=error)


@requires_role(ADMIN)
def plugins() -> Any:
    """The loaded plugins with their versions and the hooks each implements."""
    return render_template("web/plugins.html",
                           plugins=current_runtime().plugins.list_plugins())


@requires_role(ADMIN)
def configuration() -> Any:
    """The configuration in force, read-only, masked as ``lrs config show`` masks it."""
    return render_template("web/configuration.html", items=shown_configuration(current_runtime()))
