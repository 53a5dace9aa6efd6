"""The ``multipart/mixed`` wire format of statements with attachments.

xAPI sends attachment bytes next to the statements that describe them: the first
part of a ``multipart/mixed`` body holds the statements (``application/json``),
every further part holds the raw bytes of one attachment, named by its SHA-2 hash
in an ``X-Experience-API-Hash`` header (Communication 1.5.2). The same format
answers ``GET statements?attachments=true``.

The parser works on bytes with ``bytes.find``: attachments are binary and can be
large, and the stdlib ``email`` parser decodes bodies as text and copies them line
by line. Every malformed body is a :class:`BadRequest` naming what is wrong, never
an unexpected exception.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from lrs.xapi.datatypes import is_header_text
from lrs.xapi.errors import BadRequest, PayloadTooLarge


@dataclass(frozen=True)
class AttachmentPart:
    """The raw bytes of one attachment, with the hash that names them (lowercase hex)."""

    sha2: str
    content_type: str
    content: bytes


#: SHA-2 function for each hex digest length, so a hash header names its algorithm.
HASH_BY_HEX_LENGTH = {
    56: hashlib.sha224,
    64: hashlib.sha256,
    96: hashlib.sha384,
    128: hashlib.sha512,
}

#: Content type of a part that does not declare one (RFC 2046 would say text/plain,
#: but an attachment is opaque bytes until its statement says otherwise).
DEFAULT_PART_TYPE = "application/octet-stream"

_CRLF = b"\r\n"
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
#: A parameter; unquoted values are read up to ``;`` or space, so a boundary with an
#: unquoted ``=`` or ``/`` (common, though RFC 2045 wants it quoted) still works.
_PARAM = re.compile(rf'\s*;\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s"]+)')
_MEDIA = re.compile(rf"\s*({_TOKEN}/{_TOKEN})\s*")


def split_content_type(value: str) -> tuple[str, dict[str, str]]:
    """``'multipart/mixed; boundary="a b"'`` -> ``('multipart/mixed', {'boundary': 'a b'})``.

    The media type and parameter names are lowercased (they are case-insensitive);
    parameter values keep their case (a boundary is case-sensitive). A value that
    does not start with ``type/subtype`` gives ``('', {})``. Malformed parameters
    are dropped rather than refused: a missing ``boundary`` is reported by the
    caller that needs it, with a message about the boundary.
    """
    match = _MEDIA.match(value)
    if match is None:
        return "", {}
    params: dict[str, str] = {}
    for name, raw in _PARAM.findall(value, match.end()):
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(name.lower(), raw)
    return match[1].lower(), params


def parse_statement_request(
    content_type: str, body: bytes, *, max_attachment_bytes: int
) -> tuple[bytes, dict[str, AttachmentPart]]:
    """Split a statements PUT/POST body into the statements JSON and its attachment parts.

    ``application/json`` bodies are returned as they are, with no parts. For
    ``multipart/mixed`` the first part must be ``application/json``; every other
    part must carry ``Content-Transfer-Encoding: binary`` and an
    ``X-Experience-API-Hash`` that matches its content. Parts are keyed by their
    lowercase hash; a repeated hash is kept once (same hash, same bytes).

    Whether the statements reference exactly these parts is checked later, by
    :func:`lrs.xapi.attachments.check_attachments`, once the JSON is validated.

    :raises BadRequest: for any other content type or any malformed body.
    :raises PayloadTooLarge: when one attachment exceeds ``max_attachment_bytes``.
    """
    media_type, params = split_content_type(content_type)
    if media_type == "application/json":
        return body, {}
    if media_type != "multipart/mixed":
        raise BadRequest(
            f"Content-Type {content_type!r} is not accepted for statements; "
            "use application/json or multipart/mixed"
        )
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= 70:
        raise BadRequest("a multipart/mixed Content-Type needs a boundary parameter (1-70 chars)")
    raw_parts = _split_parts(body, boundary.encode("latin-1", "replace"))
    first_headers, statements = raw_parts[0]
    first_type = first_headers.get("content-type")
    if first_type is None or split_content_type(first_type)[0] != "application/json":
        raise BadRequest(
            "the first part of a multipart/mixed statement request must have "
            f"Content-Type application/json, not {first_type!r}"
        )
    parts: dict[str, AttachmentPart] = {}
    for number, (headers, content) in enumerate(raw_parts[1:], start=2):
        part = _attachment_part(number, headers, content, max_attachment_bytes)
        parts.setdefault(part.sha2, part)
    return statements, parts


def build_multipart(statements_json: bytes, parts: list[AttachmentPart]) -> tuple[str, bytes]:
    """The ``multipart/mixed`` answer to ``GET statements?attachments=true``.

    Returns ``(content_type, body)``. Parts sharing a hash are sent once, as
    Communication 1.5.2 asks. The boundary is random and checked against every
    part, so content can never end a part early.
    """
    by_hash: dict[str, AttachmentPart] = {}
    for part in parts:
        by_hash.setdefault(part.sha2, part)
    unique = list(by_hash.values())
    chunks = [statements_json, *(part.content for part in unique)]
    boundary = _fresh_boundary(chunks)
    delimiter = b"--" + boundary
    out = [delimiter, b"\r\nContent-Type: application/json\r\n\r\n", statements_json]
    for part in unique:
        out += [
            _CRLF,
            delimiter,
            b"\r\nContent-Type: ",
            _header_value(part.content_type),
            b"\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ",
            part.sha2.encode("ascii"),
            b"\r\n\r\n",
            part.content,
        ]
    out += [_CRLF, delimiter, b"--\r\n"]
    return f"multipart/mixed; boundary={boundary.decode('ascii')}", b"".join(out)


def _split_parts(body: bytes, boundary: bytes) -> list[tuple[dict[str, str], bytes]]:
    """RFC 2046 body parts as ``(headers, content)``; the preamble and epilogue are dropped.

    A delimiter is CRLF ``--boundary``; prefixing the body with CRLF lets the first
    delimiter sit at offset 0, as it usually does.
    """
    data = _CRLF + body
    delimiter = _CRLF + b"--" + boundary
    position = data.find(delimiter)
    if position < 0:
        raise BadRequest("the multipart/mixed body does not contain its boundary delimiter")
    parts: list[tuple[dict[str, str], bytes]] = []
    while True:
        after = position + len(delimiter)
        if data.startswith(b"--", after):
            break
        line_end = data.find(_CRLF, after)
        if line_end < 0 or data[after:line_end].strip(b" \t"):
            raise BadRequest(f"multipart part {len(parts) + 1}: boundary line is malformed")
        start = line_end + 2
        position = data.find(delimiter, start)
        if position < 0:
            raise BadRequest("the multipart/mixed body ends without its closing boundary")
        parts.append(_split_headers(len(parts) + 1, data[start:position]))
    if not parts:
        raise BadRequest("the multipart/mixed body has no parts; the first must hold statements")
    return parts


def _split_headers(number: int, part: bytes) -> tuple[dict[str, str], bytes]:
    """Headers (names lowercased, folded lines joined) and content of one body part."""
    if part.startswith(_CRLF):
        return {}, part[2:]
    end = part.find(b"\r\n\r\n")
    if end < 0:
        raise BadRequest(f"multipart part {number}: no blank line after the headers")
    # Each header's lines are joined once at the end: appending a folded line to the
    # value so far copied it each time, quadratic in a part's header size.
    lines: dict[str, list[str]] = {}
    name = ""
    for line in part[:end].decode("latin-1").split("\r\n"):
        if not is_header_text(line):
            raise BadRequest(f"multipart part {number}: a header line holds a control character")
        if line[:1] in (" ", "\t") and name:
            lines[name].append(line.strip())
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name:
            raise BadRequest(f"multipart part {number}: malformed header line {line[:80]!r}")
        lines[name] = [value.strip()]
    return {name: " ".join(values) for name, values in lines.items()}, part[end + 4 :]


def _attachment_part(
    number: int, headers: dict[str, str], content: bytes, max_attachment_bytes: int
) -> AttachmentPart:
    """Check one attachment part's headers and hash (Communication 1.5.2)."""
    encoding = headers.get("content-transfer-encoding")
    if encoding is None or encoding.lower() != "binary":
        raise BadRequest(
            f"multipart part {number}: attachment parts need Content-Transfer-Encoding: binary"
            + ("" if encoding is None else f", not {encoding!r}")
        )
    declared = headers.get("x-experience-api-hash")
    if not declared:
        raise BadRequest(f"multipart part {number}: the X-Experience-API-Hash header is missing")
    algorithm = HASH_BY_HEX_LENGTH.get(len(declared))
    if algorithm is None or not _HEX.match(declared):
        raise BadRequest(
            f"multipart part {number}: X-Experience-API-Hash {declared[:140]!r} is not "
            "a hex SHA-224/256/384/512 digest"
        )
    if len(content) > max_attachment_bytes:
        raise PayloadTooLarge(
            f"multipart part {number}: attachment is larger than the "
            f"{max_attachment_bytes} byte limit"
        )
    sha2 = declared.lower()
    if algorithm(content).hexdigest() != sha2:
        raise BadRequest(
            f"multipart part {number}: content does not match its X-Experience-API-Hash {sha2}"
        )
    return AttachmentPart(sha2, headers.get("content-type") or DEFAULT_PART_TYPE, content)


def _fresh_boundary(chunks: list[bytes]) -> bytes:
    """A random boundary that occurs in none of ``chunks`` (retried on the rare clash)."""
    while True:
        boundary = b"xapi-" + secrets.token_hex(16).encode("ascii")
        if not any(boundary in chunk for chunk in chunks):
            return boundary


def _header_value(value: str) -> bytes:
    """A stored content type as a header value: one line, latin-1 (never breaks framing)."""
    return " ".join(value.split()).encode("latin-1", "replace")
