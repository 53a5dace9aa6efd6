"""``/api/assignments``: who must complete what by when, and how they stand.

Weft's own API (no xAPI version header), for HR systems, LMSs and reporting jobs.
Reading needs ``assignments/read``, changing ``assignments/write`` (neither is
implied by ``all``); every view covers the caller's tenant only. Each change is an
administrative action in the audit trail, under ``credential:<key>``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lrs.auth.protector import protect
from lrs.http.body import parse_json, read_body
from lrs.plugin.request import api_actor, parse_whole_number, request_source
from lrs.runtime import current_runtime
from lrs.services import assignment_status, assignments
from lrs.xapi.errors import BadRequest, ErrorDetail, NotFound, UnsupportedMediaType

READ, WRITE = "assignments/read", "assignments/write"


def create_assignments_blueprint() -> Blueprint:
    bp = Blueprint("assignments", __name__, url_prefix="/api/assignments")
    bp.add_url_rule("", "list", protect(READ)(_list), methods=["GET"])
    bp.add_url_rule("", "create", protect(WRITE)(_create), methods=["POST"])
    bp.add_url_rule("/<assignment_id>", "delete", protect(WRITE)(_delete),
                    methods=["DELETE"])
    bp.add_url_rule("/import", "import", protect(WRITE)(_import), methods=["POST"])
    bp.add_url_rule("/status", "status", protect(READ)(_status), methods=["GET"])
    return bp


def _list() -> Any:
    found = assignments.list_assignments(current_runtime(), tenant_id=g.principal.tenant_id)
    return jsonify({"assignments": [a.as_dict() for a in found]})


def _create() -> Any:
    record = assignments.parse_assignment(parse_json(read_body()))
    created = assignments.create_assignment(current_runtime(), record, actor=api_actor(),
                                            tenant_id=g.principal.tenant_id,
                                            source=request_source())
    return jsonify(created.as_dict()), 201


def _delete(assignment_id: str) -> Any:
    """Any id but a number is a 404 too, after the credential and scope are checked."""
    number = parse_whole_number(assignment_id, low=0)
    if number is None:
        raise NotFound(f"no assignment {assignment_id!r} in this store")
    assignments.delete_assignment(current_runtime(), number, actor=api_actor(),
                                  tenant_id=g.principal.tenant_id, source=request_source())
    return Response(status=204)


def _import() -> Any:
    """A CSV body (``text/csv``); ``?dry_run=true`` checks and counts, changing nothing."""
    if request.mimetype != "text/csv":
        raise UnsupportedMediaType("send the assignments as text/csv")
    try:
        text = read_body().decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the CSV must be UTF-8") from None
    rows, errors = assignments.parse_assignments_csv(text)
    if errors:
        raise BadRequest(f"{len(errors)} row(s) in error, nothing imported: {errors[0]}",
                         errors=[ErrorDetail(f"line {e.line}, {e.column}", e.message)
                                 for e in errors])
    dry_run = request.args.get("dry_run", "false") == "true"
    counts = assignments.import_assignments(
        current_runtime(), rows, actor=api_actor(), tenant_id=g.principal.tenant_id,
        dry_run=dry_run, source=request_source())
    return jsonify({"created": counts.created, "unchanged": counts.unchanged,
                    "dry_run": dry_run})


def _status() -> Any:
    """``?as_of=YYYY-MM-DD`` (today) and ``assignment=ID`` (repeat; every one by default)."""
    as_of = parse_day(request.args.get("as_of"), "as_of") or datetime.now(UTC).date()
    ids = [parse_whole_number(i, low=0) for i in request.args.getlist("assignment")]
    if None in ids:
        raise BadRequest("parameter assignment must be an assignment id",
                         errors=[ErrorDetail("assignment", "must be an assignment id")])
    found = assignment_status.assignment_statuses(
        current_runtime(), tenant_id=g.principal.tenant_id, as_of=as_of,
        ids=[i for i in ids if i is not None] or None)
    return jsonify({"as_of": as_of.isoformat(),
                    "statuses": [status.as_dict() for status in found]})


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` parameter, ``None`` when absent.

    :raises BadRequest: naming the parameter.
    """
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"parameter {name} must be a date YYYY-MM-DD",
                         errors=[ErrorDetail(name, "must be a date YYYY-MM-DD")]) from None
