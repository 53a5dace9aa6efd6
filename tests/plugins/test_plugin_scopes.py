"""``register_scopes``: plugin scopes join the app's registry, are granted by name only,
and are checked by credential and OAuth client creation and at the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify

from lrs.machinery.manager import PluginError
from lrs.plugin.hookspecs import Scope, hookimpl
from lrs.plugin.testing import ApiCredential
from lrs.services import admin
from lrs.store.credentials import IssuedCredential
from lrs.store.oauth_clients import create_client
from lrs.xapi.errors import BadRequest
from tests.auth.conftest import request_token
from tests.plugins.conftest import runtime


class DemoPlugin:
    """Declares ``scopes`` and serves ``/plugins/demo/report`` behind ``demo/read``."""

    def __init__(self, *scopes: Any, name: str = "demo") -> None:
        self.plugin_name = name
        self.scopes = list(scopes) or [Scope("demo/read", "Read demo reports.")]

    @hookimpl
    def register_scopes(self) -> Any:
        return self.scopes

    @hookimpl
    def register_blueprints(self, host: Any) -> list[Blueprint]:
        blueprint = Blueprint(self.plugin_name, __name__, url_prefix=f"/plugins/{self.plugin_name}")

        @blueprint.get("/report")
        @host.requires("demo/read")
        def report() -> Any:
            return jsonify({"ok": True})

        return [blueprint]


def test_registry_lists_xapi_core_then_plugin_scopes_with_their_origin(
    make_app: Callable[..., Flask],
) -> None:
    scopes = list(runtime(make_app(DemoPlugin())).scopes)
    assert [s.name for s in scopes[:14]] == ["all", "all/read", "statements/write",
                                             "statements/read", "statements/read/mine", "state",
                                             "define", "profile", "metrics/read",
                                             "assignments/read", "assignments/write", "scim",
                                             "notifications/read", "notifications/write"]
    assert {s.origin for s in scopes[:14]} == {"core"}
    assert scopes[14:] == [Scope("demo/read", "Read demo reports.", origin="demo")]


@pytest.mark.parametrize(("scopes", "message"), [
    ([Scope("report", "x")], "plugin 'demo': scope 'report' must be namespaced like 'demo/read'"),
    ([Scope("Demo/Read", "x")], "must be namespaced"),
    ([Scope("statements/delete", "x")], "uses the namespace 'statements' reserved for xAPI"),
    ([Scope("metrics/write", "x")], "namespace 'metrics' reserved"),
    ([Scope("demo/read", "x"), Scope("demo/read", "y")],
     "plugin 'demo': scope 'demo/read' is already registered by demo"),
    (["demo/read"], "plugin 'demo': register_scopes must return Scope objects"),
])
def test_bad_plugin_scopes_stop_start_up_naming_the_plugin(
    make_app: Callable[..., Flask], scopes: list[Any], message: str,
) -> None:
    with pytest.raises(PluginError, match=message.replace("(", r"\(")):
        make_app(DemoPlugin(*scopes))


def test_a_scope_declared_by_two_plugins_names_both(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(PluginError, match="plugin 'second': scope 'demo/read' is already "
                                          "registered by first"):
        make_app(DemoPlugin(name="first"), DemoPlugin(name="second"))


def test_a_plugin_returning_no_list_stops_start_up(make_app: Callable[..., Flask]) -> None:
    class Single(DemoPlugin):
        @hookimpl
        def register_scopes(self) -> Any:
            return Scope("demo/read", "not in a list")

    with pytest.raises(PluginError, match="plugin 'demo' must return a list"):
        make_app(Single())


def test_all_does_not_imply_plugin_scopes_which_are_granted_by_name(
    make_app: Callable[..., Flask], lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    app = make_app(DemoPlugin())
    client = app.test_client()
    everything = lrs_make_credential("all", app=app)
    assert client.get("/plugins/demo/report", headers=everything.headers).status_code == 403
    granted = lrs_make_credential("demo/read", app=app)
    assert client.get("/plugins/demo/report", headers=granted.headers).get_json() == {"ok": True}


def test_credential_creation_accepts_plugin_scopes_and_lists_valid_ones_when_unknown(
    make_app: Callable[..., Flask],
) -> None:
    rt = runtime(make_app(DemoPlugin()))
    issued = admin.create_credential(rt, actor="cli:test", name="reports",
                                     scopes=["demo/read", "statements/read"])
    assert issued.scopes == ["demo/read", "statements/read"]
    with pytest.raises(BadRequest) as refused:
        admin.create_credential(rt, actor="cli:test", name="x", scopes=["demo/write"])
    assert refused.value.message == (
        "unknown scope(s) demo/write; valid scopes: all, all/read, statements/write, "
        "statements/read, statements/read/mine, state, define, profile, metrics/read, "
        "assignments/read, assignments/write, scim, notifications/read, notifications/write, "
        "demo/read")


def test_without_a_registry_only_core_scopes_are_known(make_app: Callable[..., Flask]) -> None:
    rt = runtime(make_app(DemoPlugin()))
    with rt.db.write() as session, pytest.raises(BadRequest, match=r"unknown scope\(s\) demo/read"):
        create_client(session, rt.settings.secret_key, name="x", scopes=["demo/read"])


def registered_client(app: Flask, *scopes: str) -> IssuedCredential:
    """An OAuth client of ``app`` allowed ``scopes``, checked against the app's registry."""
    rt = runtime(app)
    with rt.db.write() as session:
        return create_client(session, rt.settings.secret_key, name="reports",
                             scopes=list(scopes), known_scopes=rt.scopes)


def test_oauth_tokens_carry_plugin_scopes_the_client_holds(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(DemoPlugin())
    oauth_client = registered_client(app, "demo/read", "statements/read")
    client = app.test_client()
    response = request_token(client, oauth_client, "demo/read")
    assert response.status_code == 200, response.json
    assert response.json["scope"] == "demo/read"
    bearer = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert client.get("/plugins/demo/report", headers=bearer).get_json() == {"ok": True}
    narrow = request_token(client, oauth_client, "statements/read").json["access_token"]
    assert client.get("/plugins/demo/report",
                      headers={"Authorization": f"Bearer {narrow}"}).status_code == 403


def test_token_endpoint_refuses_unknown_scopes_listing_the_valid_ones(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(DemoPlugin())
    oauth_client = registered_client(app, "all")
    response = request_token(app.test_client(), oauth_client, "demo/write")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"
    assert response.json["error_description"].endswith(
        "scim, notifications/read, notifications/write, demo/read")
    beyond = request_token(app.test_client(), oauth_client, "demo/read")
    assert (beyond.status_code, beyond.json["error"]) == (400, "invalid_scope")
