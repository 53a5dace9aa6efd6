"""Attachments forwarded with their statements: the ``multipart/mixed`` request of xAPI.

A statement whose attachment has no ``fileUrl`` must arrive with the
attachment's bytes (Communication 1.5.2): the request is then
``multipart/mixed``, the statements as its first part, each attachment a part
named by its SHA-2 hash in ``X-Experience-API-Hash``. Only the statements that
declare attachments are parsed; the others are sent as plain JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: ``fetch(sha2s)``: the stored contents, ``{sha2: (content type, bytes)}``.
Fetch = Callable[[Iterable[str]], Mapping[str, tuple[str, bytes]]]


def hashes(text: str) -> list[str]:
    """The SHA-2 hashes of the attachments a statement's JSON declares (its own and a
    SubStatement's)."""
    if '"attachments"' not in text:
        return []
    statement: dict[str, Any] = json.loads(text)
    declared = list(statement.get("attachments") or ())
    target = statement.get("object") or {}
    if target.get("objectType") == "SubStatement":
        declared += target.get("attachments") or ()
    return [str(a["sha2"]).lower() for a in declared if "sha2" in a]


def request_body(texts: list[str], fetch: Fetch, *, one: bool = False) -> tuple[bytes, str]:
    """The body and ``Content-Type`` of a request carrying ``texts`` (a JSON array, or
    the single statement when ``one``), with their attachments' contents if any."""
    document = (texts[0] if one else "[" + ",".join(texts) + "]").encode()
    wanted = list(dict.fromkeys(sha2 for text in texts for sha2 in hashes(text)))
    parts = fetch(wanted) if wanted else {}
    if not parts:
        return document, "application/json"
    boundary = f"weft-{uuid.uuid4().hex}"
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), document]
    for sha2 in wanted:
        if sha2 in parts:
            content_type, content = parts[sha2]
            chunks += [
                f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(),
                content,
            ]
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
