"""A Weft app, and SCIM clients of two stores talking to it as identity providers do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential, create_credential
from lrs.store.tenants import create_tenant
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

MEDIA_TYPE = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    """A SCIM client of one store: Bearer ``key:secret``, JSON bodies as providers send."""

    def __init__(self, client: FlaskClient, credential: IssuedCredential) -> None:
        self.client, self.credential = client, credential
        self.token = f"{credential.key}:{credential.secret}"

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
            headers.setdefault("Content-Type", MEDIA_TYPE)
        return self.client.open("/scim/v2" + path, method=method, headers=headers, **kwargs)

    def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        response = self("POST", "/Users", {"schemas": [USER], "userName": user_name, **attributes})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def patch(self, path: str, *operations: dict[str, Any]) -> Any:
        return self("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def scim_app(make_settings: Callable[..., Settings], recorder: RecordingPlugin) -> Iterator[Flask]:
    app = create_app(make_settings(outbox_inline=False), plugins=[recorder])
    yield app
    app.extensions["lrs"].db.engine.dispose()


@pytest.fixture
def grant(scim_app: Flask) -> Callable[..., IssuedCredential]:
    """A credential of store ``tenant`` (created when not the default) with ``scopes``."""

    def make(*scopes: str, tenant: str | None = None) -> IssuedCredential:
        runtime = scim_app.extensions["lrs"]
        with runtime.db.write() as session:
            tenant_id = create_tenant(session, tenant).id if tenant else 1
            return create_credential(
                session,
                runtime.settings.secret_key,
                name="idp",
                scopes=list(scopes or ["scim"]),
                tenant_id=tenant_id,
                known_scopes=runtime.scopes,
            )

    return make


@pytest.fixture
def scim(scim_app: Flask, grant: Callable[..., IssuedCredential]) -> Scim:
    return Scim(scim_app.test_client(), grant("scim"))


def actions(app: Flask, recorder: RecordingPlugin) -> list[tuple[str, str]]:
    """``(action, target)`` of the admin actions announced so far."""
    return [(event.action, event.target) for event in admin_actions(app, recorder)]


def scim_error(response: Any, status: int, scim_type: str | None = None) -> str:
    """Assert ``response`` is a SCIM error; return its detail."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == MEDIA_TYPE
    body = response.get_json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    assert body.get("scimType") == scim_type, body
    return body["detail"]
