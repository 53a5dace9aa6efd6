"""Stored documents are data, never pages of Weft's origin (issue 15, item 1).

A credential with only the ``state`` scope can store HTML with a script, and a
cross-site form (1.0.3's alternate request syntax) can make a signed-in admin's
browser open it on Weft's origin. Every API answer is therefore sandboxed (CSP
``sandbox``: no script, no same origin), never sniffed, and a document that is not
JSON is a download. ``tests/server/test_web_browser.py`` plays the attack in Chromium.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Response
from flask.testing import FlaskClient

from lrs.http.headers import API_HEADERS, api_headers
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth

ACTIVITY = "http://example.com/activities/a1"
AGENT = json.dumps({"mbox": "mailto:ada@example.com"})
PAGE = b"<html><body><script>document.title='pwned'</script></body></html>"
STATE = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s1"}


def put_state(client: FlaskClient, credential: IssuedCredential, body: bytes,
              content_type: str) -> None:
    response = client.put("/xapi/activities/state?" + urlencode(STATE), data=body,
                          headers={"Authorization": basic_auth(credential),
                                   "X-Experience-API-Version": "1.0.3",
                                   "Content-Type": content_type})
    assert response.status_code == 204, response.get_data(as_text=True)


def assert_sandboxed(response: Any) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy, policy


def test_an_html_state_document_is_a_sandboxed_download(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    put_state(client, credential, PAGE, "text/html")
    response = client.get("/xapi/activities/state?" + urlencode(STATE), headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200 and response.data == PAGE
    assert response.content_type.startswith("text/html")  # served back as stored
    assert response.headers["Content-Disposition"] == "attachment"
    assert_sandboxed(response)


def test_the_alternate_syntax_gets_the_same_headers(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    put_state(client, credential, PAGE, "text/html")
    form = {**STATE, "Authorization": basic_auth(credential),
            "X-Experience-API-Version": "1.0.3"}
    response = client.post("/xapi/activities/state?method=GET", data=form,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.data == PAGE
    assert response.headers["Content-Disposition"] == "attachment"
    assert_sandboxed(response)


def test_a_json_document_is_shown_inline_but_sandboxed(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    put_state(client, credential, b'{"progress": 3}', "application/json")
    response = client.get("/xapi/activities/state?" + urlencode(STATE), headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"})
    assert response.json == {"progress": 3}
    assert "Content-Disposition" not in response.headers
    assert_sandboxed(response)


@pytest.mark.parametrize("path", ["/xapi/statements", "/xapi/about", "/oauth/jwks",
                                  "/api/metrics"])
def test_every_api_answer_is_sandboxed(client: FlaskClient, credential: IssuedCredential,
                                       path: str) -> None:
    response = client.get(path, headers={"Authorization": basic_auth(credential),
                                         "X-Experience-API-Version": "2.0.0"})
    assert response.status_code < 500
    assert_sandboxed(response)


def test_each_api_header_is_sent_once_and_one_a_view_set_is_kept(
        client: FlaskClient, credential: IssuedCredential) -> None:
    response = client.get("/xapi/about")
    for name in API_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name

    own = Response("{}", headers={"content-security-policy": "sandbox allow-downloads"})
    api_headers(own)
    assert own.headers.getlist("Content-Security-Policy") == ["sandbox allow-downloads"]
    assert own.headers.getlist("X-Content-Type-Options") == ["nosniff"]
