"""State resource: storing a document and reading it back, with its headers."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.http.document_helpers import STATE, etag, send, state_params


def test_state_put_then_get_returns_the_document_with_etag_and_last_modified(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    document = {"score": 3, "nested": {"a": [1, 2]}}

    put = send(client, "PUT", STATE, params, headers, document)
    got = send(client, "GET", STATE, params, headers)

    assert put.status_code == 204, put.get_data(as_text=True)
    assert got.status_code == 200
    assert got.get_json() == document
    assert got.mimetype == "application/json"
    assert etag(got) == f'"{hashlib.sha1(got.get_data()).hexdigest()}"'
    assert got.headers["Last-Modified"].endswith("GMT")


def test_state_put_of_a_non_json_document_serves_the_bytes_and_content_type_back(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    content = bytes(range(256))

    send(client, "PUT", STATE, params, {**headers, "Content-Type": "image/png"}, content)
    got = send(client, "GET", STATE, params, headers)

    assert got.status_code == 200
    assert got.get_data() == content
    assert got.headers["Content-Type"] == "image/png"


def test_state_head_has_the_get_headers_and_no_body(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "PUT", STATE, params, headers, {"a": 1})
    got = send(client, "GET", STATE, params, headers)

    head = send(client, "HEAD", STATE, params, headers)

    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["ETag"] == etag(got)
    assert head.headers["Content-Length"] == str(len(got.get_data()))
    assert "Last-Modified" in head.headers


def test_state_get_of_an_unknown_document_is_404(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    assert send(client, "GET", STATE, state_params(), headers).status_code == 404


def test_state_put_with_registration_is_a_different_document(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params(registration="6FE5A1E4-6B48-4D5A-9E0A-2A4A1B0C9D11")
    send(client, "PUT", STATE, params, headers, {"with": "registration"})

    without = {k: v for k, v in params.items() if k != "registration"}
    lower = {**params, "registration": params["registration"].lower()}

    assert send(client, "GET", STATE, without, headers).status_code == 404
    assert send(client, "GET", STATE, lower, headers).get_json() == {"with": "registration"}


def test_state_put_over_an_existing_document_without_precondition(
    client: FlaskClient, headers: dict[str, str], xapi_version: str
) -> None:
    """1.0.3 leaves state outside concurrency control; 2.0 answers 409 (4.1.4)."""
    params = state_params()
    send(client, "PUT", STATE, params, headers, {"v": 1})

    again = send(client, "PUT", STATE, params, headers, {"v": 2})
    got = send(client, "GET", STATE, params, headers).get_json()

    if xapi_version == "1.0.3":
        assert again.status_code == 204
        assert got == {"v": 2}
    else:
        assert again.status_code == 409
        assert json.loads(again.get_data())["error"] == "conflict"
        assert got == {"v": 1}


def test_state_put_of_malformed_json_is_400(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    response = send(client, "PUT", STATE, params,
                    {**headers, "Content-Type": "application/json"}, b'{"a": ')

    assert response.status_code == 400
    assert send(client, "GET", STATE, params, headers).status_code == 404


def test_state_racing_puts_with_one_etag_replace_once(
    app: Flask, headers: dict[str, str]
) -> None:
    """Concurrent PUTs with ``If-Match`` of one ETag: one replaces, the others get 412
    (the winner's write changed the ETag), the document is the winner's and the
    ETags chain: what the winner replaced is what every racer named."""
    params = state_params()
    client = app.test_client()
    send(client, "PUT", STATE, params, headers, {"v": -1}, If_None_Match="*")
    first = etag(send(client, "GET", STATE, params, headers))

    def put(index: int) -> int:
        return send(app.test_client(), "PUT", STATE, params, headers, {"v": index},
                    If_Match=first).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(put, range(12)))

    assert sorted(statuses) == [204] + [412] * 11
    got = send(client, "GET", STATE, params, headers)
    assert got.get_json() == {"v": statuses.index(204)}
    assert etag(got) != first
    stale = send(client, "PUT", STATE, params, headers, {"v": 99}, If_Match=first)
    assert stale.status_code == 412
    assert send(client, "PUT", STATE, params, headers, {"v": 100},
                If_Match=etag(got)).status_code == 204


@pytest.mark.parametrize("precondition", [{"If_None_Match": "*"}, {}],
                         ids=["if-none-match-star", "no-header"])
def test_state_racing_creations_create_once(
    app: Flask, headers: dict[str, str], xapi_version: str, precondition: dict[str, str]
) -> None:
    """Concurrent first PUTs of one document: one creates it; the others find it and
    answer as for any existing document (412 for ``If-None-Match: *``; without a
    header 409 in 2.0, an overwrite in 1.0.3, which has no concurrency control for
    state)."""
    params = state_params()

    def put(index: int) -> int:
        return send(app.test_client(), "PUT", STATE, params, headers, {"v": index},
                    **precondition).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(put, range(12)))

    got = send(app.test_client(), "GET", STATE, params, headers).get_json()
    if not precondition and xapi_version == "1.0.3":
        assert statuses == [204] * 12 and got["v"] in range(12)
    else:
        refused = 412 if precondition else 409
        assert sorted(statuses) == [204] + [refused] * 11
        assert got == {"v": statuses.index(204)}
