"""X-Experience-API-Version: required on requests, present on every response."""

from __future__ import annotations

from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth


def test_statements_get_without_version_header_is_400_in_the_clients_last_version(
    client: FlaskClient, credential: IssuedCredential, xapi_version: str
) -> None:
    auth = {"Authorization": basic_auth(credential)}
    spoken = client.get(
        "/xapi/statements", headers={**auth, "X-Experience-API-Version": xapi_version}
    )
    assert spoken.status_code == 200

    response = client.get("/xapi/statements", headers=auth)

    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.json["message"]
    assert response.headers["X-Experience-API-Version"] == xapi_version


def test_unsupported_version_header_is_400(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    response = client.get(
        "/xapi/statements",
        headers={"Authorization": basic_auth(credential), "X-Experience-API-Version": "0.95"},
    )
    assert response.status_code == 400
    assert "0.95" in response.json["message"]


def test_response_names_the_negotiated_version(
    client: FlaskClient, headers: dict[str, str], xapi_version: str
) -> None:
    response = client.get("/xapi/statements", headers={**headers, "X-Experience-API-Version":
                                                        xapi_version[:3]})
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == xapi_version
