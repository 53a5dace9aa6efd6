"""check_attachments: statement attachment objects against the parts that came along."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from lrs.xapi.attachments import check_attachments
from lrs.xapi.errors import BadRequest
from lrs.xapi.multipart import AttachmentPart
from lrs.xapi.versions import XapiVersion
from tests.xapi.jws_helpers import Signer, signature_attachment, signature_part

TEXT = b"here is a simple attachment"
TEXT_SHA = hashlib.sha256(TEXT).hexdigest()
TEXT_PART = AttachmentPart(TEXT_SHA, "text/plain", TEXT)
ESSAY = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "contentType": "text/plain",
    "length": len(TEXT),
    "sha2": TEXT_SHA,
}
STATEMENT: dict[str, Any] = {
    "actor": {"mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
    "object": {"id": "http://example.com/meetings/1"},
}


@pytest.fixture(params=list(XapiVersion), ids=lambda v: v.value)
def version(request: pytest.FixtureRequest) -> XapiVersion:
    return request.param


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate()


def with_attachments(*attachments: dict[str, Any], statement: dict = STATEMENT) -> dict:
    return {**statement, "attachments": list(attachments)}


def parts_of(*parts: AttachmentPart) -> dict[str, AttachmentPart]:
    return {part.sha2: part for part in parts}


def test_accepts_file_url_attachments_without_parts(version: XapiVersion) -> None:
    statement = with_attachments({**ESSAY, "fileUrl": "http://example.com/essay.txt"})

    check_attachments([statement], {}, version)


def test_accepts_attachments_matched_by_parts_case_insensitively(version: XapiVersion) -> None:
    statements = [
        with_attachments({**ESSAY, "sha2": TEXT_SHA.upper()}),
        with_attachments(ESSAY),
    ]

    check_attachments(statements, parts_of(TEXT_PART), version)


def test_accepts_a_part_for_an_attachment_that_also_has_a_file_url(version: XapiVersion) -> None:
    statement = with_attachments({**ESSAY, "fileUrl": "http://example.com/essay.txt"})

    check_attachments([statement], parts_of(TEXT_PART), version)


def test_accepts_parts_claimed_by_substatement_attachments(version: XapiVersion) -> None:
    sub = with_attachments(ESSAY, statement={**STATEMENT, "objectType": "SubStatement"})

    check_attachments([{**STATEMENT, "object": sub}], parts_of(TEXT_PART), version)


def test_refuses_an_attachment_with_neither_file_url_nor_part(version: XapiVersion) -> None:
    statements = [STATEMENT, with_attachments(ESSAY)]

    with pytest.raises(BadRequest, match=r"\$\[1\]\.attachments\[0\].*no fileUrl"):
        check_attachments(statements, {}, version)


def test_refuses_a_part_no_attachment_claims(version: XapiVersion) -> None:
    extra = AttachmentPart(hashlib.sha256(b"extra").hexdigest(), "text/plain", b"extra")

    with pytest.raises(BadRequest, match="not an attachment of any statement"):
        check_attachments([with_attachments(ESSAY)], parts_of(TEXT_PART, extra), version)


def signed_statement(signer: Signer, header: dict[str, Any], content_type: str | None = None):
    """Like the suite's signStatement: sign, then add the signature attachment."""
    token = signer.sign(json.dumps(STATEMENT).encode(), header)
    attachment = signature_attachment(token, *([content_type] if content_type else []))
    return with_attachments(attachment), token


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_accepts_a_signed_statement(signer: Signer, version: XapiVersion, alg: str) -> None:
    statement, token = signed_statement(signer, {"alg": alg, "x5c": signer.x5c})

    check_attachments([statement], parts_of(signature_part(token)), version)


def test_accepts_a_signed_statement_with_another_attachment(
    signer: Signer, version: XapiVersion
) -> None:
    token = signer.sign(json.dumps(with_attachments(ESSAY)).encode(), {"alg": "RS256"})
    statement = with_attachments(ESSAY, signature_attachment(token))

    check_attachments([statement], parts_of(TEXT_PART, signature_part(token)), version)


def test_refuses_a_signature_whose_content_type_is_not_octet_stream(
    signer: Signer, version: XapiVersion
) -> None:
    statement, token = signed_statement(signer, {"alg": "RS256"}, "text/plain; charset=ascii")

    with pytest.raises(BadRequest, match="must have contentType application/octet-stream"):
        check_attachments([statement], parts_of(signature_part(token)), version)


def test_refuses_a_signature_sent_only_as_a_file_url(signer: Signer, version: XapiVersion) -> None:
    statement, _ = signed_statement(signer, {"alg": "RS256"})
    statement["attachments"][0]["fileUrl"] = "http://example.com/signature.jws"

    with pytest.raises(BadRequest, match="must be sent as a multipart part"):
        check_attachments([statement], {}, version)


def test_refuses_a_signature_with_another_algorithm(signer: Signer, version: XapiVersion) -> None:
    statement, token = signed_statement(signer, {"alg": "HS256"})

    with pytest.raises(BadRequest, match=r"\$\[0\]\.attachments\[0\].*alg 'HS256'") as caught:
        check_attachments([statement], parts_of(signature_part(token)), version)

    assert caught.value.errors[0].path == "$[0].attachments[0]"


def test_refuses_a_signed_statement_changed_after_signing(
    signer: Signer, version: XapiVersion
) -> None:
    statement, token = signed_statement(signer, {"alg": "RS256"})
    changed = copy.deepcopy(statement)
    changed["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}

    with pytest.raises(BadRequest, match="does not match"):
        check_attachments([changed], parts_of(signature_part(token)), version)
