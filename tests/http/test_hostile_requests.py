"""Requests a fuzzer sent (2026-12-06) that got a 500 or were stored as invalid xAPI.

Each now gets the 4xx a malformed request gets, with a JSON body saying what is wrong,
on both databases: PostgreSQL refuses NUL in text, so a header value that reached a
query unchecked was a 500 there and stored as is on SQLite.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.http.document_helpers import ACTIVITY_PROFILE, STATE, activity_profile_params, url
from tests.http.document_helpers import state_params as document_state
from tests.http.statement_helpers import make_statement


def assert_refused(response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, dict) and body.get("message"), response.get_data(as_text=True)
    for word in words:
        assert word in body["message"], body["message"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/xapi/about", "/xapi/statements", "/oauth/jwks"])
def test_a_bearer_token_nested_past_pythons_limit_is_no_token(
    client: FlaskClient, path: str,
) -> None:
    """The rate limiter reads the unverified ``sub`` before every request."""
    token = f"x.{_b64url(b'[' * 1000)}.x"
    response = client.get(path, headers={"Authorization": f"Bearer {token}",
                                         "X-Experience-API-Version": "2.0.0"})
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    if path == "/xapi/statements":
        assert_refused(response, 401)


@pytest.mark.parametrize("user", ["\x00", "\x00abc", "key\x1b"])
def test_basic_credentials_with_a_control_character_are_refused_with_401(
    client: FlaskClient, user: str,
) -> None:
    encoded = base64.b64encode(f"{user}:secret".encode()).decode()
    response = client.get("/xapi/statements", headers={
        "Authorization": f"Basic {encoded}", "X-Experience-API-Version": "2.0.0"})
    assert_refused(response, 401)


def test_the_alternate_syntax_refuses_such_credentials_too(client: FlaskClient) -> None:
    form = {"Authorization": "Basic " + base64.b64encode(b"\x00:").decode(),
            "X-Experience-API-Version": "1.0.3"}
    response = client.post("/xapi/statements?method=GET", data=urllib.parse.urlencode(form),
                           content_type="application/x-www-form-urlencoded")
    assert_refused(response, 401)


def test_an_oauth_client_id_with_nul_is_an_unknown_client(client: FlaskClient) -> None:
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("\x00client", "secret"))
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("path", [STATE, ACTIVITY_PROFILE])
def test_a_document_content_type_with_a_control_character_is_refused(
    client: FlaskClient, headers: dict[str, str], method: str, path: str,
) -> None:
    params = document_state() if path == STATE else activity_profile_params()
    response = client.open(url(path, params), method=method, data=b"x",
                           headers={**headers, "Content-Type": "text/pl\x00ain"})
    assert_refused(response, 400, "Content-Type", "control character")
    assert client.get(url(path, params), headers=headers).status_code == 404


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_an_empty_entity_tag_matches_no_document(
    client: FlaskClient, headers: dict[str, str], method: str,
) -> None:
    params = activity_profile_params()
    assert client.put(url(ACTIVITY_PROFILE, params), json={"a": 1},
                      headers={**headers, "If-None-Match": "*"}).status_code == 204
    for tags in ('""', '"", "a"'):
        refused = client.open(url(ACTIVITY_PROFILE, params), method=method, json={"a": 2},
                              headers={**headers, "If-Match": tags})
        assert_refused(refused, 412)
    assert client.get(url(ACTIVITY_PROFILE, params), headers=headers).get_json() == {"a": 1}


def test_an_entity_tag_with_nul_matches_no_document(
    client: FlaskClient, headers: dict[str, str],
) -> None:
    params = activity_profile_params()
    created = client.put(url(ACTIVITY_PROFILE, params), json={"a": 1},
                         headers={**headers, "If-None-Match": '"\x00"'})
    assert created.status_code == 204, created.get_data(as_text=True)
    replaced = client.put(url(ACTIVITY_PROFILE, params), json={"a": 2},
                          headers={**headers, "If-Match": '"\x00"'})
    assert_refused(replaced, 412)
    assert client.get(url(ACTIVITY_PROFILE, params), headers=headers).get_json() == {"a": 1}


def test_an_attachment_part_content_type_with_nul_is_refused(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    content = b"x"
    sha2 = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    statement = make_statement(attachments=[{
        "usageType": "http://example.com/usage", "display": {"en-US": "a"},
        "contentType": "text/plain", "length": 1, "sha2": sha2}])
    body = (b"--b\r\nContent-Type: application/json\r\n\r\n" + json.dumps(statement).encode()
            + b"\r\n--b\r\nContent-Type: text/\x00plain\r\nContent-Transfer-Encoding: binary\r\n"
            + b"X-Experience-API-Hash: " + sha2.encode() + b"\r\n\r\n" + content + b"\r\n--b--\r\n")
    response = client.post("/xapi/statements", data=body, headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0",
        "Content-Type": "multipart/mixed; boundary=b"})
    assert_refused(response, 400, "multipart part 2", "control character")


ARABIC_ONE = "\u0661"


@pytest.mark.parametrize("change", [
    {"timestamp": f"2024-05-04T17:00:00.{ARABIC_ONE * 3}Z"},
    {"result": {"duration": f"PT{ARABIC_ONE}S"}},
])
def test_numbers_in_other_scripts_are_not_xapi_digits(
    client: FlaskClient, headers: dict[str, str], change: dict[str, Any],
) -> None:
    response = client.post("/xapi/statements", json=make_statement(**change), headers=headers)
    assert_refused(response, 400)
    since = client.get("/xapi/statements", headers=headers,
                       query_string={"since": f"2024-05-04T17:00:0{ARABIC_ONE}Z"})
    assert_refused(since, 400, "since")


def test_a_version_header_in_other_digits_is_refused(client: FlaskClient,
                                                     credential: IssuedCredential) -> None:
    response = client.get("/xapi/statements", headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": f"1.0.{ARABIC_ONE}"})
    assert_refused(response, 400)


@pytest.mark.parametrize("path", ["/api/notifications?topic=%00", "/ui/admin/people?q=%00",
                                  "/api/metrics/x%00", "/nowhere?a=1&b=%00"])
def test_a_nul_in_a_path_or_query_parameter_is_refused_before_any_view(
    client: FlaskClient, credential: IssuedCredential, path: str,
) -> None:
    response = client.get(path, headers={"Authorization": basic_auth(credential)})
    assert_refused(response, 400, "NUL")
    if "=%00" in path:
        name = path.rpartition("=")[0].rpartition("?")[2].rpartition("&")[2]
        assert response.get_json()["errors"] == [{"path": name,
                                                   "message": "holds a NUL character"}]


def test_a_nul_in_a_form_field_is_refused_naming_it(client: FlaskClient) -> None:
    response = client.post("/ui/admin/credentials", data={"name": "a\x00b", "x": "y"})
    assert_refused(response, 400, "form field 'name'")


def test_a_json_string_with_nul_the_database_cannot_store_is_a_400(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    """No route checks every string of a plugin's body: PostgreSQL's refusal is a 400."""
    response = client.post("/api/assignments", headers={"Authorization": basic_auth(credential)},
                           json={"person": "a\u0000b", "activity": "http://example.com/aml",
                                 "due": "2026-06-30"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.get_json()["message"]


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/revoke"])
@pytest.mark.parametrize("header", ["Basic ", "Basic //46AA==", "Basic bm9jb2xvbg=="])
def test_oauth_basic_credentials_that_cannot_be_read_are_an_invalid_client(
    client: FlaskClient, endpoint: str, header: str,
) -> None:
    response = client.post(endpoint, headers={"Authorization": header},
                           data={"grant_type": "client_credentials", "token": "x"})
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "9" * 5000, "0", "501"])
def test_a_limit_that_is_no_ascii_whole_number_in_range_is_refused(
    client: FlaskClient, make_credential: Callable[..., IssuedCredential], limit: str,
) -> None:
    reader = make_credential("notifications/read")
    response = client.get("/api/notifications", query_string={"limit": limit},
                          headers={"Authorization": basic_auth(reader)})
    assert_refused(response, 400, "limit")
