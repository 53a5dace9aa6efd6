"""Matching statement attachment objects with the attachment parts that came with them.

:mod:`lrs.xapi.multipart` checks each part on its own (headers, hash); this module
checks the request as a whole once the statements are valid JSON statements: each
attachment object without a ``fileUrl`` needs a part with its hash, each part must
be claimed by some attachment object (Communication 1.5.1/1.5.2), and signature
attachments must carry a well-formed JWS (Data 2.6).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from lrs.xapi.errors import BadRequest, ErrorDetail
from lrs.xapi.multipart import AttachmentPart, split_content_type
from lrs.xapi.signatures import (
    SIGNATURE_CONTENT_TYPE,
    is_signature,
    verify_signed_statement,
)
from lrs.xapi.versions import XapiVersion


def check_attachments(
    statements: list[dict[str, Any]],
    parts: dict[str, AttachmentPart],
    version: XapiVersion,
    *,
    check_length: bool = False,
) -> None:
    """Refuse a request whose attachment objects and parts do not match (400).

    ``statements`` are validated statements as the client sent them (a signature
    is compared with them); ``parts`` come from
    :func:`lrs.xapi.multipart.parse_statement_request` (empty for application/json).
    Hashes match case-insensitively. The rules are the same in 1.0.3 and 2.0.0;
    ``version`` is taken so callers do not change when a version's rules diverge.
    With ``check_length``, an object's ``length`` must be its part's byte count
    (xAPI defines ``length`` as that count but requires no check, and the ADL
    conformance suite sends a part twice as long as declared and expects 200).

    :raises BadRequest: naming the first attachment or part at fault.
    """
    claimed: set[str] = set()
    for path, attachment in _attachment_objects(statements):
        sha2 = str(attachment.get("sha2", "")).lower()
        claimed.add(sha2)
        if sha2 not in parts and "fileUrl" not in attachment:
            _refuse(path, f"attachment has no fileUrl and no multipart part with hash {sha2}")
        if check_length and sha2 in parts and attachment.get("length") != len(parts[sha2].content):
            _refuse(
                f"{path}.length",
                f"declares {attachment.get('length')} bytes but its "
                f"multipart part holds {len(parts[sha2].content)}",
            )
    for sha2 in parts:
        if sha2 not in claimed:
            raise BadRequest(
                f"the multipart part with hash {sha2} is not an attachment of any statement"
            )
    for index, statement in enumerate(statements):
        for number, attachment in enumerate(statement.get("attachments") or []):
            if is_signature(attachment):
                path = f"$[{index}].attachments[{number}]"
                _check_signature(path, statement, attachment, parts)


def _check_signature(
    path: str,
    statement: dict[str, Any],
    attachment: dict[str, Any],
    parts: dict[str, AttachmentPart],
) -> None:
    """A signature attachment: octet-stream, sent as a part, and a well-formed JWS."""
    if split_content_type(str(attachment.get("contentType", "")))[0] != SIGNATURE_CONTENT_TYPE:
        _refuse(path, f"a signature attachment must have contentType {SIGNATURE_CONTENT_TYPE}")
    part = parts.get(str(attachment.get("sha2", "")).lower())
    if part is None:
        _refuse(path, "the JWS of a signature attachment must be sent as a multipart part")
    try:
        verify_signed_statement(statement, part.content)
    except BadRequest as exc:
        _refuse(path, exc.message)


def _attachment_objects(
    statements: list[dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every attachment object with its JSONPath, including those of SubStatements."""
    for index, statement in enumerate(statements):
        holders = [(f"$[{index}]", statement)]
        sub = statement.get("object")
        if isinstance(sub, dict) and sub.get("objectType") == "SubStatement":
            holders.append((f"$[{index}].object", sub))
        for root, holder in holders:
            for number, attachment in enumerate(holder.get("attachments") or []):
                yield f"{root}.attachments[{number}]", attachment


def _refuse(path: str, message: str) -> NoReturn:
    raise BadRequest(f"{path}: {message}", errors=[ErrorDetail(path, message)])
