"""Chunked uploads over ``LRS_MAX_BODY_BYTES`` through a real gunicorn: 413, nothing stored.

A chunked body has no Content-Length, so only the size actually read can refuse
it; the Flask test client does not frame bodies the way a server does, hence
gunicorn on 127.0.0.1 and ``http.client`` sending the chunks.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from lrs.store.credentials import IssuedCredential
from tests.conftest import TEST_SECRET_KEY
from tests.server.test_gunicorn import STATEMENT
from tests.serving import Server, gunicorn

pytestmark = pytest.mark.server

LIMIT = 4000
STATE_QUERY = urlencode(
    {
        "activityId": "http://example.com/activities/chunked",
        "agent": json.dumps({"mbox": "mailto:ada@example.com"}),
        "stateId": "big",
    }
)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with gunicorn(tmp_path, LRS_DATABASE_URL=database_url, LRS_SECRET_KEY=TEST_SECRET_KEY,
                  LRS_THREADS="2", LRS_MAX_BODY_BYTES=str(LIMIT)) as started:
        yield started


def send(
    server: Server,
    credential: IssuedCredential,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, bytes]:
    """One request; ``body`` goes chunked (no Content-Length), 1000 bytes a chunk."""
    url = urlsplit(server.url)
    token = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"}
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        if body is None:
            connection.request(method, f"{url.path}{path}", headers=headers)
        else:
            chunks = (body[i : i + 1000] for i in range(0, len(body), 1000))
            connection.request(
                method,
                f"{url.path}{path}",
                body=chunks,
                encode_chunked=True,
                headers={**headers, "Content-Type": content_type, "Transfer-Encoding": "chunked"},
            )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def padded_statement(size: int) -> bytes:
    """A statement batch followed by spaces: still valid JSON once cut anywhere past it."""
    text = json.dumps([STATEMENT]).encode()
    return text + b" " * (size - len(text))


def stored_statements(server: Server, credential: IssuedCredential) -> list[object]:
    status, body = send(server, credential, "GET", "/statements")
    assert status == 200
    return json.loads(body)["statements"]


def test_chunked_statements_post_over_the_limit_is_413_and_stores_nothing(
    server: Server, credential: IssuedCredential
) -> None:
    status, body = send(server, credential, "POST", "/statements", padded_statement(LIMIT + 500))

    assert status == 413, body
    assert "limit" in json.loads(body)["message"]
    assert stored_statements(server, credential) == []


def test_chunked_statements_post_within_the_limit_is_stored(
    server: Server, credential: IssuedCredential
) -> None:
    status, body = send(server, credential, "POST", "/statements", padded_statement(LIMIT))

    assert status == 200, body
    assert len(stored_statements(server, credential)) == 1


def test_chunked_document_put_over_the_limit_is_413_and_stores_nothing(
    server: Server, credential: IssuedCredential
) -> None:
    status, body = send(
        server,
        credential,
        "PUT",
        f"/activities/state?{STATE_QUERY}",
        b"x" * (LIMIT + 1),
        content_type="application/octet-stream",
    )

    assert status == 413, body
    assert send(server, credential, "GET", f"/activities/state?{STATE_QUERY}")[0] == 404
