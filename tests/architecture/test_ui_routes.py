"""Every web UI route declares who may open it (a role, or public for the sign-in pages)."""

from __future__ import annotations

from flask import Flask

from lrs.web.access import PUBLIC, ui_roles

#: The only UI pages anyone may open.
PUBLIC_ENDPOINTS = {"web.sign_in", "web.oidc_start", "web.oidc_callback", "web.local_sign_in",
                    "web.sign_out"}


def ui_rules(app: Flask) -> list[tuple[str, tuple[str, ...] | None]]:
    return [(rule.endpoint, ui_roles(app.view_functions[rule.endpoint]))
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/ui") and rule.endpoint != "web.static"]


def test_every_ui_route_declares_its_roles(app: Flask) -> None:
    rules = ui_rules(app)
    assert len(rules) > 8
    undeclared = [endpoint for endpoint, roles in rules if roles is None]
    assert not undeclared, f"UI routes without requires_role/public: {undeclared}"


def test_only_the_sign_in_pages_are_public(app: Flask) -> None:
    public = {endpoint for endpoint, roles in ui_rules(app) if roles == PUBLIC}
    assert public == PUBLIC_ENDPOINTS
