"""Statement resource: ``/xapi/statements`` (PUT, POST, GET and HEAD).

The views translate HTTP to the store's use cases: they read and validate the
body, pick the transaction, and shape the answer (formats, ``more`` links,
multipart with attachments, consistency headers). Exact-format pages are built
from the stored JSON text without parsing it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from flask import Blueprint, Response, request

from lrs.auth.protector import current_principal, requires

# Module import, not ``from``: lrs.http.xapi imports this module while it loads.
from lrs.http.body import parse_json, read_body
from lrs.http.statement_params import (
    Single,
    check_names,
    encode_more,
    parse_get,
    restrict_to,
    to_us,
    uuid_param,
)
from lrs.http.version import current_version
from lrs.models.types import iso_milliseconds
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.services.ingest import store_batch
from lrs.store.queries import StoredStatement, find_page, get_statement, load_attachments
from lrs.xapi.attachments import check_attachments
from lrs.xapi.errors import BadRequest, NotFound, PayloadTooLarge
from lrs.xapi.formats import parse_accept_language, to_canonical, to_ids
from lrs.xapi.json_values import decode_stored, encode_storable
from lrs.xapi.multipart import AttachmentPart, build_multipart, parse_statement_request
from lrs.xapi.validate import validate_statements

bp = Blueprint("statements", __name__)

_READ_SCOPES = ("statements/read", "statements/read/mine")


@bp.route("/statements", methods=["PUT"])
@requires("statements/write")
def put_statement() -> Response:
    check_names(request.args, frozenset({"statementId"}))
    if "statementId" not in request.args:
        raise BadRequest("PUT statements needs a statementId parameter")
    statement_id = uuid_param(request.args, "statementId")
    payload, parts = _read_statements()
    if not isinstance(payload, dict):
        raise BadRequest("PUT statements takes a single statement object")
    given = payload.get("id")
    if given is not None and str(given).lower() != statement_id:
        raise BadRequest(f"statement id {given!r} does not match statementId {statement_id}")
    payload = {**payload, "id": statement_id}
    _store(payload, parts)
    return Response(status=204)


@bp.route("/statements", methods=["POST"])
@requires("statements/write")
def post_statements() -> Response:
    check_names(request.args, frozenset())
    payload, parts = _read_statements()
    ids = _store(payload, parts)
    return _json(encode_storable(ids))


@bp.route("/statements", methods=["GET"])
@requires(*_READ_SCOPES)
def get_statements() -> Response:
    runtime = current_runtime()
    settings = runtime.settings
    principal = current_principal()
    mine = None if principal.allows("statements/read") else principal.credential_id
    wanted = parse_get(request.args, current_version(), page_size=settings.page_size,
                       secret_key=settings.secret_key, tenant_id=principal.tenant_id)
    with runtime.db.lookup() as connection:
        if isinstance(wanted, Single):
            found = get_statement(connection, principal.tenant_id, wanted.statement_id,
                                  voided=wanted.voided, credential_id=mine)
            if found is None:
                raise NotFound(f"no statement {wanted.statement_id}")
            rows, more = [found], None
        else:
            listing = restrict_to(wanted, mine)
            page = find_page(connection, principal.tenant_id, listing.query,
                             limit=listing.limit, cursor=listing.cursor)
            rows = page.statements
            more = page.next_cursor and encode_more(listing, page.next_cursor,
                                                    settings.secret_key, principal.tenant_id)
        parts = (load_attachments(connection, principal.tenant_id,
                                  {sha2 for row in rows for sha2 in row.attachment_sha2s})
                 if wanted.attachments else [])
    statements = [_formatted(row, wanted.format) for row in rows]
    if isinstance(wanted, Single):
        body = statements[0]
    else:
        link = f"{request.script_root}{request.path}?more={more}" if more else ""
        body = '{"statements":[' + ",".join(statements) + '],"more":' + json.dumps(link) + "}"
    response = _answer(body, parts) if wanted.attachments else _json(body)
    _last_modified(response, rows)
    return response


def _read_statements() -> tuple[Any, dict[str, AttachmentPart]]:
    settings = current_runtime().settings
    statements_json, parts = parse_statement_request(
        request.headers.get("Content-Type", ""), read_body(),
        max_attachment_bytes=settings.max_attachment_bytes,
    )
    return parse_json(statements_json, what="statements"), parts


def _store(payload: Any, parts: dict[str, AttachmentPart]) -> list[str]:
    runtime = current_runtime()
    version = current_version()
    if isinstance(payload, list) and len(payload) > runtime.settings.max_batch_size:
        raise PayloadTooLarge(
            f"a batch holds at most {runtime.settings.max_batch_size} statements"
        )
    statements = validate_statements(payload, version, bounds=runtime.settings.index_bounds)
    check_attachments(statements, parts, version,
                      check_length=runtime.settings.strict_attachment_length)
    principal = current_principal()
    return store_batch(
        runtime, tenant_id=principal.tenant_id, statements=statements,
        authority=principal.authority, credential_id=principal.credential_id,
        version=version, attachments=parts, credential_key=principal.key,
        source=request_source(),
    ).ids


def _formatted(row: StoredStatement, fmt: str) -> str:
    if fmt == "exact":
        return row.payload
    statement = decode_stored(row.payload)
    if fmt == "ids":
        statement = to_ids(statement)
    else:
        statement = to_canonical(statement, parse_accept_language(
            request.headers.get("Accept-Language")))
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))


def _json(body: str) -> Response:
    return Response(body, status=200, content_type="application/json")


def _answer(body: str, parts: list[AttachmentPart]) -> Response:
    content_type, data = build_multipart(body.encode("utf-8"), parts)
    return Response(data, status=200, content_type=content_type)


@bp.after_request
def _consistent_through(response: Response) -> Response:
    """``X-Experience-API-Consistent-Through`` on every statement response: the time
    before which every statement stored is visible, so that a client may page by
    ``since`` from it without skipping one.

    Not the time of the answer: a write takes its ``stored`` time before it commits
    (a group of concurrent POSTs gathers, inserts, then waits for the disk), and
    another request may read in between. ``LRS_CONSISTENT_THROUGH_LAG_MS`` is how long
    a write may take; one that takes longer is logged
    (:func:`lrs.services.ingest.store_batch`).
    """
    lag = timedelta(milliseconds=current_runtime().settings.consistent_through_lag_ms)
    response.headers["X-Experience-API-Consistent-Through"] = iso_milliseconds(
        datetime.now(UTC) - lag)
    return response


def _last_modified(response: Response, rows: list[StoredStatement]) -> None:
    """``Last-Modified`` (required by xAPI 2.0): the newest ``stored`` returned, else now."""
    newest = max((row.stored_us for row in rows), default=to_us(datetime.now(UTC)))
    modified = datetime.fromtimestamp(newest / 1_000_000, UTC)
    response.headers["Last-Modified"] = format_datetime(modified, usegmt=True)
