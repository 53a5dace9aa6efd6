"""Every web UI route declares who may open it (a role, or public for the sign-in pages)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from lrs.app import create_app
from lrs.settings import Settings
from lrs.web.access import PUBLIC, ui_roles

#: The only UI pages anyone may open.
PUBLIC_ENDPOINTS = {"web.sign_in", "web.oidc_start", "web.oidc_callback", "web.local_sign_in",
                    "web.sign_out"}


@pytest.fixture
def full_app(make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    """Core with every installed plugin, whose UI pages must declare roles too."""
    app = create_app(make_settings(disabled_plugins="", outbox_inline=False))
    yield app
    app.extensions["lrs"].db.engine.dispose()


def ui_rules(app: Flask) -> list[tuple[str, tuple[str, ...] | None]]:
    return [(rule.endpoint, ui_roles(app.view_functions[rule.endpoint]))
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/ui") and rule.endpoint != "web.static"]


def test_every_ui_route_declares_its_roles(full_app: Flask) -> None:
    rules = ui_rules(full_app)
    assert "audit_ui.index" in dict(rules)
    undeclared = [endpoint for endpoint, roles in rules if roles is None]
    assert not undeclared, f"UI routes without requires_role/public: {undeclared}"


def test_only_the_sign_in_pages_are_public(full_app: Flask) -> None:
    public = {endpoint for endpoint, roles in ui_rules(full_app) if roles == PUBLIC}
    assert public == PUBLIC_ENDPOINTS
