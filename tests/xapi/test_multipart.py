"""The multipart/mixed statement format: parsing requests, building responses."""

from __future__ import annotations

import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.errors import BadRequest, PayloadTooLarge, XapiError
from lrs.xapi.multipart import (
    AttachmentPart,
    build_multipart,
    parse_statement_request,
    split_content_type,
)

BOUNDARY = "-------314159265358979323846"
CONTENT_TYPE = f"multipart/mixed; boundary={BOUNDARY}"
STATEMENTS = b'{"actor": {"mbox": "mailto:a@example.com"}}'
TEXT = b"here is a simple attachment"
TEXT_SHA256 = hashlib.sha256(TEXT).hexdigest()
LIMIT = 1024


def attachment_headers(sha2: str = TEXT_SHA256, content_type: str = "text/plain") -> list[str]:
    return [
        f"Content-Type: {content_type}",
        "Content-Transfer-Encoding: binary",
        f"X-Experience-API-Hash: {sha2}",
    ]


def multipart(*parts: tuple[list[str], bytes], boundary: str = BOUNDARY) -> bytes:
    """A CRLF multipart body the way the conformance suite writes one."""
    out = b""
    for headers, content in parts:
        out += f"--{boundary}\r\n".encode() + "".join(h + "\r\n" for h in headers).encode()
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


STATEMENT_PART = (["Content-Type: application/json"], STATEMENTS)
TEXT_PART = (attachment_headers(), TEXT)


def parse(body: bytes, content_type: str = CONTENT_TYPE) -> tuple[bytes, dict[str, AttachmentPart]]:
    return parse_statement_request(content_type, body, max_attachment_bytes=LIMIT)


def test_parse_returns_statements_and_parts_keyed_by_hash() -> None:
    statements, parts = parse(multipart(STATEMENT_PART, TEXT_PART))

    assert statements == STATEMENTS
    assert parts == {TEXT_SHA256: AttachmentPart(TEXT_SHA256, "text/plain", TEXT)}


def test_parse_accepts_the_suite_signature_layout_without_spaces_or_final_crlf() -> None:
    body = (
        f"\r\n--{BOUNDARY}\r\nContent-Type:application/json\r\n\r\n".encode()
        + STATEMENTS
        + f"\r\n--{BOUNDARY}\r\nContent-Type:application/octet-stream\r\n"
        f"Content-Transfer-Encoding:binary\r\nX-Experience-API-Hash:{TEXT_SHA256}\r\n\r\n".encode()
        + TEXT
        + f"\r\n--{BOUNDARY}--".encode()
    )

    statements, parts = parse(body)

    assert statements == STATEMENTS
    assert parts[TEXT_SHA256].content_type == "application/octet-stream"


def test_parse_accepts_statements_only() -> None:
    assert parse(multipart(STATEMENT_PART)) == (STATEMENTS, {})


def test_parse_passes_application_json_through() -> None:
    assert parse(STATEMENTS, "application/json; charset=utf-8") == (STATEMENTS, {})


def test_parse_reads_quoted_boundary_and_ignores_preamble_and_epilogue() -> None:
    body = b"preamble\r\n" + multipart(STATEMENT_PART, TEXT_PART, boundary="a b") + b"epilogue"

    statements, parts = parse(body, 'Multipart/Mixed; charset=utf-8; BOUNDARY="a b"')

    assert statements == STATEMENTS
    assert list(parts) == [TEXT_SHA256]


@pytest.mark.parametrize("algorithm", ["sha224", "sha256", "sha384", "sha512"])
def test_parse_accepts_each_sha2_length_in_any_case(algorithm: str) -> None:
    digest = hashlib.new(algorithm, TEXT).hexdigest()

    _, parts = parse(multipart(STATEMENT_PART, (attachment_headers(digest.upper()), TEXT)))

    assert list(parts) == [digest]


def test_parse_keeps_binary_content_byte_for_byte() -> None:
    content = bytes(range(256)) + b"\r\n--" + BOUNDARY[:-1].encode() + b"\r\n\r\n"
    digest = hashlib.sha256(content).hexdigest()

    _, parts = parse(multipart(STATEMENT_PART, (attachment_headers(digest), content)))

    assert parts[digest].content == content


def test_parse_keeps_one_copy_of_a_repeated_part() -> None:
    _, parts = parse(multipart(STATEMENT_PART, TEXT_PART, TEXT_PART))

    assert list(parts) == [TEXT_SHA256]


def test_parse_defaults_a_missing_part_content_type_to_octet_stream() -> None:
    headers = attachment_headers()[1:]

    _, parts = parse(multipart(STATEMENT_PART, (headers, TEXT)))

    assert parts[TEXT_SHA256].content_type == "application/octet-stream"


def test_parse_joins_folded_header_lines() -> None:
    headers = ["Content-Type: text/plain;", ' charset="ascii"', *attachment_headers()[1:]]

    _, parts = parse(multipart(STATEMENT_PART, (headers, TEXT)))

    assert parts[TEXT_SHA256].content_type == 'text/plain; charset="ascii"'


def test_parse_joins_many_folded_lines_in_order() -> None:
    """Joined once at the end: appending each line to the value so far was quadratic
    (a few megabytes of folded lines held a worker for minutes)."""
    folds = [f" word{i}" for i in range(50_000)]
    headers = ["Content-Type: text/plain;", *folds, *attachment_headers()[1:]]

    _, parts = parse(multipart(STATEMENT_PART, (headers, TEXT)))

    assert parts[TEXT_SHA256].content_type == "text/plain; " + " ".join(
        f"word{i}" for i in range(50_000))


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\r", "\x7f"])
def test_parse_refuses_a_control_character_in_a_part_header(control: str) -> None:
    """A part's Content-Type is stored and sent back in a header (PostgreSQL refuses NUL)."""
    headers = [f"Content-Type: text/pl{control}ain", *attachment_headers()[1:]]

    with pytest.raises(BadRequest, match="multipart part 2: a header line holds a control"):
        parse(multipart(STATEMENT_PART, (headers, TEXT)))


def test_parse_keeps_a_tab_in_a_part_header() -> None:
    headers = ["Content-Type:\ttext/plain;\tcharset=ascii", *attachment_headers()[1:]]

    _, parts = parse(multipart(STATEMENT_PART, (headers, TEXT)))

    assert parts[TEXT_SHA256].content_type == "text/plain;\tcharset=ascii"


REJECTED_BODIES = {
    "first part is not json": multipart((["Content-Type: text/plain"], STATEMENTS), TEXT_PART),
    "first part has no content type": multipart(([], STATEMENTS), TEXT_PART),
    "attachment without hash": multipart(STATEMENT_PART, (attachment_headers()[:2], TEXT)),
    "attachment without transfer encoding": multipart(
        STATEMENT_PART, ([attachment_headers()[0], attachment_headers()[2]], TEXT)
    ),
    "attachment base64 encoded": multipart(
        STATEMENT_PART,
        (["Content-Transfer-Encoding: base64", attachment_headers()[2]], TEXT),
    ),
    "hash does not match": multipart(STATEMENT_PART, (attachment_headers("ab" * 32), TEXT)),
    "hash not hex": multipart(STATEMENT_PART, (attachment_headers("zz" * 32), TEXT)),
    "hash of no sha2 length": multipart(STATEMENT_PART, (attachment_headers("ab" * 20), TEXT)),
    "no boundary in body": b"Content-Type: application/json\r\n\r\n" + STATEMENTS,
    "no closing boundary": multipart(STATEMENT_PART, TEXT_PART)[: -len(BOUNDARY) - 6],
    "no parts": f"--{BOUNDARY}--\r\n".encode(),
    "garbage after boundary": f"--{BOUNDARY}xyz\r\n\r\n{{}}\r\n--{BOUNDARY}--".encode(),
    "no blank line after headers": f"--{BOUNDARY}\r\nContent-Type: a/b\r\n--{BOUNDARY}--".encode(),
    "header without colon": multipart((["Content-Type application/json"], STATEMENTS)),
    "statements split over two parts": multipart(STATEMENT_PART, STATEMENT_PART, TEXT_PART),
}


@pytest.mark.parametrize("body", REJECTED_BODIES.values(), ids=REJECTED_BODIES.keys())
def test_parse_refuses_malformed_bodies_with_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        parse(body)

    assert type(caught.value) is BadRequest
    assert caught.value.message


@pytest.mark.parametrize(
    "content_type",
    [
        f"multipart/form-data; boundary={BOUNDARY}",
        "multipart/mixed;",
        "multipart/mixed; boundary=",
        f"multipart/mixed; boundary={'x' * 71}",
        "text/plain",
        "",
    ],
)
def test_parse_refuses_content_types_without_a_usable_boundary(content_type: str) -> None:
    with pytest.raises(BadRequest):
        parse(multipart(STATEMENT_PART, TEXT_PART), content_type)


def test_parse_refuses_an_attachment_over_the_limit_with_413() -> None:
    content = b"x" * (LIMIT + 1)
    part = (attachment_headers(hashlib.sha256(content).hexdigest()), content)

    with pytest.raises(PayloadTooLarge):
        parse(multipart(STATEMENT_PART, part))


def test_parse_accepts_an_attachment_exactly_at_the_limit() -> None:
    content = b"x" * LIMIT
    part = (attachment_headers(hashlib.sha256(content).hexdigest()), content)

    _, parts = parse(multipart(STATEMENT_PART, part))

    assert [p.content for p in parts.values()] == [content]


@given(st.binary(max_size=400), st.sampled_from([CONTENT_TYPE, "multipart/mixed; boundary=a"]))
def test_parse_of_random_bytes_raises_only_xapi_errors(body: bytes, content_type: str) -> None:
    with contextlib.suppress(XapiError):
        parse(body, content_type)


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=8), st.binary(max_size=8))
def test_parse_of_a_damaged_valid_body_raises_only_xapi_errors(
    at: int, cut: int, insert: bytes
) -> None:
    body = multipart(STATEMENT_PART, TEXT_PART)
    at %= len(body)
    with contextlib.suppress(XapiError):
        parse(body[:at] + insert + body[at + cut :])


def test_split_content_type_lowercases_type_and_names_but_not_values() -> None:
    assert split_content_type('Multipart/Mixed; Boundary="Ab\\"c"; x=1') == (
        "multipart/mixed",
        {"boundary": 'Ab"c', "x": "1"},
    )
    assert split_content_type("multipart/mixed;boundary=----=_Part_0/1") == (
        "multipart/mixed",
        {"boundary": "----=_Part_0/1"},
    )
    assert split_content_type("not a media type") == ("", {})


def test_build_multipart_round_trips_through_the_parser() -> None:
    image = bytes(range(256))
    parts = [
        AttachmentPart(TEXT_SHA256, "text/plain; charset=ascii", TEXT),
        AttachmentPart(hashlib.sha512(image).hexdigest(), "image/png", image),
    ]

    content_type, body = build_multipart(STATEMENTS, parts)
    statements, parsed = parse_statement_request(content_type, body, max_attachment_bytes=LIMIT)

    assert statements == STATEMENTS
    assert list(parsed.values()) == parts


def test_build_multipart_sends_a_repeated_hash_once() -> None:
    part = AttachmentPart(TEXT_SHA256, "text/plain", TEXT)

    _, body = build_multipart(STATEMENTS, [part, part])

    assert body.count(TEXT) == 1


def test_build_multipart_writes_what_the_conformance_suite_reads() -> None:
    content_type, body = build_multipart(STATEMENTS, [AttachmentPart(TEXT_SHA256, "a/b", TEXT)])

    media, parameter = content_type.split(";")
    boundary = parameter.replace(" boundary=", "")
    sections = body.split(b"--" + boundary.encode())
    assert media == "multipart/mixed"
    assert sections[0] == b""
    assert sections[1] == b"\r\nContent-Type: application/json\r\n\r\n" + STATEMENTS + b"\r\n"
    assert sections[2] == (
        b"\r\nContent-Type: a/b\r\nContent-Transfer-Encoding: binary\r\n"
        + f"X-Experience-API-Hash: {TEXT_SHA256}\r\n\r\n".encode()
        + TEXT
        + b"\r\n"
    )
    assert sections[3] == b"--\r\n"


def test_build_multipart_keeps_header_values_on_one_line() -> None:
    part = AttachmentPart(TEXT_SHA256, "text/plain;\r\n charset=ascii", TEXT)

    content_type, body = build_multipart(STATEMENTS, [part])
    _, parsed = parse_statement_request(content_type, body, max_attachment_bytes=LIMIT)

    assert parsed[TEXT_SHA256].content_type == "text/plain; charset=ascii"
