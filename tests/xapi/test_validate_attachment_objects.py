"""Attachment objects in statements (Data 2.4.11); parts are checked elsewhere."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import accepted, errors_of, statement

ATTACHMENT = {"usageType": "http://example.com/attachment-usage/test",
              "display": {"en-US": "A test attachment"},
              "description": {"en-US": "A test attachment (description)"},
              "contentType": "text/plain; charset=ascii", "length": 27,
              "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
              "fileUrl": "http://over.there.com/file.txt"}


def test_a_full_attachment_is_accepted():
    assert accepted(statement(attachments=[ATTACHMENT]))[0]["attachments"] == [ATTACHMENT]


@pytest.mark.parametrize("name", ["usageType", "display", "contentType", "length", "sha2"])
def test_required_attachment_properties(name):
    attachment = {k: v for k, v in ATTACHMENT.items() if k != name}
    assert errors_of(statement(attachments=[attachment])) == {
        f"$.attachments[0].{name}": "is required"}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("usageType", "example.com/usage", 'must be an IRI with a scheme, e.g. "http://example.com/x"'),
    ("fileUrl", "over.there.com/file.txt",
     'must be an IRL with a scheme, e.g. "https://example.com/x"'),
    ("display", {"something": "x"}, None),
    ("description", {"en-US": 1}, None),
    ("contentType", "text", 'must be an Internet media type, e.g. "text/plain"'),
    ("length", 27.5, "must be a non-negative integer"),
    ("length", -1, "must be a non-negative integer"),
    ("length", "27", "must be a non-negative integer"),
    ("sha2", "495395e7", "must be a SHA-2 hash (56, 64, 96 or 128 hexadecimal digits)"),
])
def test_invalid_attachment_properties(name, value, message):
    errors = errors_of(statement(attachments=[{**ATTACHMENT, name: value}]))
    assert all(path.startswith(f"$.attachments[0].{name}") for path in errors)
    if message:
        assert errors == {f"$.attachments[0].{name}": message}


def test_attachments_must_be_a_non_empty_array_of_objects():
    assert errors_of(statement(attachments=ATTACHMENT)) == {
        "$.attachments": "must be an array of objects"}
    assert errors_of(statement(attachments=[])) == {"$.attachments": "must not be an empty array"}
