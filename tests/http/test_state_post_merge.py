"""State resource POST: create, or merge JSON objects one level deep (Communication 2.2)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient

from tests.http.document_helpers import STATE, send, state_params


def test_state_post_merges_top_level_properties_replacing_whole_values(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "POST", STATE, params, headers, {"car": {"make": "Ford", "model": "T"}, "a": 1})

    merged = send(client, "POST", STATE, params, headers, {"car": {"make": "Dodge"}, "b": 2})
    got = send(client, "GET", STATE, params, headers)

    assert merged.status_code == 204
    assert got.get_json() == {"car": {"make": "Dodge"}, "a": 1, "b": 2}


def test_state_post_merge_changes_the_etag(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "POST", STATE, params, headers, {"a": 1})
    before = send(client, "GET", STATE, params, headers).headers["ETag"]

    send(client, "POST", STATE, params, headers, {"b": 1})

    assert send(client, "GET", STATE, params, headers).headers["ETag"] != before


def test_state_post_of_non_json_onto_a_json_document_is_400_and_changes_nothing(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "POST", STATE, params, headers, {"a": 1})

    refused = send(client, "POST", STATE, params,
                   {**headers, "Content-Type": "application/octet-stream"}, b"abc")

    assert refused.status_code == 400
    assert send(client, "GET", STATE, params, headers).get_json() == {"a": 1}


def test_state_post_of_json_onto_a_non_json_document_is_400_and_changes_nothing(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "PUT", STATE, params, {**headers, "Content-Type": "text/plain"}, b"plain")

    refused = send(client, "POST", STATE, params, headers, {"a": 1})

    assert refused.status_code == 400
    assert send(client, "GET", STATE, params, headers).get_data() == b"plain"


def test_state_post_of_json_that_is_not_an_object_is_400(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "POST", STATE, params, headers, {"a": 1})

    for body in (b"[1, 2]", b'{"a": 1}{'):
        refused = send(client, "POST", STATE, params,
                       {**headers, "Content-Type": "application/json"}, body)
        assert refused.status_code == 400, body

    assert send(client, "GET", STATE, params, headers).get_json() == {"a": 1}


def test_state_post_of_a_new_non_json_document_stores_it(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()

    created = send(client, "POST", STATE, params,
                   {**headers, "Content-Type": "application/octet-stream"}, b"\x00\x01")

    assert created.status_code == 204
    assert send(client, "GET", STATE, params, headers).get_data() == b"\x00\x01"


def test_state_concurrent_posts_to_a_new_document_lose_no_property(
    app: Flask, headers: dict[str, str]
) -> None:
    """Racing first writes: the loser of the INSERT retries and merges (PostgreSQL)."""
    params = state_params()

    def post(index: int) -> int:
        return send(app.test_client(), "POST", STATE, params, headers,
                    {f"k{index}": index}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(post, range(12)))

    assert statuses == [204] * 12
    got = send(app.test_client(), "GET", STATE, params, headers).get_json()
    assert got == {f"k{index}": index for index in range(12)}
