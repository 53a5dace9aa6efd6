"""An attachment's declared ``length`` against its part's bytes (LRS_STRICT_ATTACHMENT_LENGTH).

xAPI defines ``length`` as the attachment's size in octets but asks no LRS to
check it, and the ADL conformance suite posts parts twice as long as declared
expecting 200; so the check is a setting, off by default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lrs.app import create_app
from lrs.settings import Settings
from lrs.xapi.multipart import AttachmentPart, build_multipart
from tests.http.statement_helpers import make_statement, query

CONTENT = b"here is a simple attachment"


@pytest.fixture
def strict_client(make_settings: Callable[..., Settings]) -> Iterator[FlaskClient]:
    app: Flask = create_app(make_settings(strict_attachment_length=True))
    yield app.test_client()
    app.extensions["lrs"].outbox.stop()
    app.extensions["lrs"].db.engine.dispose()


def _post(client: FlaskClient, headers: dict[str, str], length: int) -> TestResponse:
    sha2 = hashlib.sha256(CONTENT).hexdigest()
    attachment = {
        "usageType": "http://example.com/usage",
        "display": {"en-US": "file"},
        "contentType": "text/plain",
        "length": length,
        "sha2": sha2,
    }
    statement = make_statement(attachments=[attachment])
    content_type, body = build_multipart(
        json.dumps([statement]).encode(), [AttachmentPart(sha2, "text/plain", CONTENT)]
    )
    return client.post("/xapi/statements", data=body, content_type=content_type, headers=headers)


def test_strict_attachment_length_refuses_a_mismatch_with_its_path(
    strict_client: FlaskClient, headers: dict[str, str]
) -> None:
    response = _post(strict_client, headers, len(CONTENT) + 1)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["errors"][0]["path"] == "$[0].attachments[0].length"
    assert query(strict_client, headers) == []


def test_strict_attachment_length_accepts_the_true_length(
    strict_client: FlaskClient, headers: dict[str, str]
) -> None:
    assert _post(strict_client, headers, len(CONTENT)).status_code == 200


def test_attachment_length_is_not_checked_by_default(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    assert _post(client, headers, len(CONTENT) // 2).status_code == 200
