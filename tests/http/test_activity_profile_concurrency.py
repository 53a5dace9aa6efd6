"""Activity profile PUT/POST/DELETE under If-Match / If-None-Match (Communication 3.1)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.http.document_helpers import ACTIVITY_PROFILE, activity_profile_params, etag, send

WRONG = '"1111111111111111111111111111111111111111"'


def _create(client: FlaskClient, headers: dict[str, str], document: dict) -> tuple[dict, str]:
    params = activity_profile_params()
    created = send(client, "PUT", ACTIVITY_PROFILE, params, headers, document, If_None_Match="*")
    assert created.status_code == 204, created.get_data(as_text=True)
    return params, etag(send(client, "GET", ACTIVITY_PROFILE, params, headers))


def test_activity_profile_put_if_none_match_star_creates_then_refuses(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params, _ = _create(client, headers, {"v": 1})

    again = send(client, "PUT", ACTIVITY_PROFILE, params, headers, {"v": 2}, If_None_Match="*")

    assert again.status_code == 412
    assert send(client, "GET", ACTIVITY_PROFILE, params, headers).get_json() == {"v": 1}


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_activity_profile_write_with_if_match_replaces_only_on_the_current_etag(
    client: FlaskClient, headers: dict[str, str], method: str
) -> None:
    params, current = _create(client, headers, {"v": 1})

    stale = send(client, method, ACTIVITY_PROFILE, params, headers, {"v": 2}, If_Match=WRONG)
    fresh = send(client, method, ACTIVITY_PROFILE, params, headers, {"v": 3}, If_Match=current)

    assert stale.status_code == 412
    assert fresh.status_code == 204
    assert send(client, "GET", ACTIVITY_PROFILE, params, headers).get_json() == {"v": 3}


def test_activity_profile_if_match_star_and_etag_lists_are_understood(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params, current = _create(client, headers, {"v": 1})

    listed = send(client, "PUT", ACTIVITY_PROFILE, params, headers, {"v": 2},
                  If_Match=f"{WRONG}, {current}")
    star = send(client, "PUT", ACTIVITY_PROFILE, params, headers, {"v": 3}, If_Match="*")
    absent = send(client, "PUT", ACTIVITY_PROFILE, activity_profile_params(), headers, {"v": 1},
                  If_Match="*")

    assert (listed.status_code, star.status_code, absent.status_code) == (204, 204, 412)


def test_activity_profile_delete_with_a_stale_etag_is_412_and_keeps_the_document(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params, current = _create(client, headers, {"v": 1})

    stale = send(client, "DELETE", ACTIVITY_PROFILE, params, headers, If_Match=WRONG)
    kept = send(client, "GET", ACTIVITY_PROFILE, params, headers)
    fresh = send(client, "DELETE", ACTIVITY_PROFILE, params, headers, If_Match=current)

    assert stale.status_code == 412
    assert kept.status_code == 200
    assert fresh.status_code == 204
    assert send(client, "GET", ACTIVITY_PROFILE, params, headers).status_code == 404


def test_activity_profile_put_without_precondition_over_a_document_is_409(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params, _ = _create(client, headers, {"v": 1})

    conflict = send(client, "PUT", ACTIVITY_PROFILE, params, headers, {"v": 2})

    assert conflict.status_code == 409
    assert conflict.get_json()["message"]
    assert send(client, "GET", ACTIVITY_PROFILE, params, headers).get_json() == {"v": 1}


def test_activity_profile_put_of_a_new_document_without_precondition(
    client: FlaskClient, headers: dict[str, str], xapi_version: str
) -> None:
    """1.0.3 requires a precondition header on profile PUTs (400); 2.0 creates."""
    params = activity_profile_params()

    response = send(client, "PUT", ACTIVITY_PROFILE, params, headers, {"v": 1})

    assert response.status_code == (400 if xapi_version == "1.0.3" else 204)
