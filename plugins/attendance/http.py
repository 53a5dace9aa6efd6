"""``/api/attendance/...``: sessions, imports, a session's attendance, the review queue.

Reading needs the plugin's ``attendance/read`` scope, changing anything
``attendance/write`` (``all`` grants neither). Every refusal is a JSON
``{"error", "message", "errors": [{"path", "message"}]}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.plugin.host import Host
from lrs.plugin.request import api_actor, json_body, request_source
from plugins.attendance import service
from plugins.attendance.errors import AttendanceError
from plugins.attendance.importing import import_file, resolve_review

READ, WRITE = "attendance/read", "attendance/write"


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise AttendanceError(
            f"{name} must be true or false",
            [{"path": f"query.{name}", "message": f"{value!r} is not true or false"}],
        )
    return value in ("true", "1")


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("attendance", __name__, url_prefix="/api/attendance")

    def tenant() -> int:
        return g.principal.tenant_id

    @blueprint.get("/sessions")
    @host.requires(READ)
    def list_sessions() -> Any:
        return jsonify({"sessions": service.sessions(host, tenant())})

    @blueprint.post("/sessions")
    @host.requires(WRITE)
    def create_session() -> Any:
        body, _ = service.create_or_update(
            host,
            tenant(),
            json_body(),
            actor=api_actor(),
            create_only=True,
            source=request_source(),
        )
        return jsonify(body), 201

    @blueprint.get("/sessions/<key>")
    @host.requires(READ)
    def show_session(key: str) -> Any:
        return jsonify(service.session_detail(host, tenant(), key))

    @blueprint.put("/sessions/<key>")
    @host.requires(WRITE)
    def put_session(key: str) -> Any:
        body, created = service.create_or_update(
            host, tenant(), json_body(), key=key, actor=api_actor(), source=request_source()
        )
        return jsonify(body), 201 if created else 200

    @blueprint.delete("/sessions/<key>")
    @host.requires(WRITE)
    def delete_session(key: str) -> Any:
        service.remove(host, tenant(), key, actor=api_actor(), source=request_source())
        return "", 204

    @blueprint.post("/sessions/<key>/imports")
    @host.requires(WRITE)
    def import_attendance(key: str) -> Any:
        upload = request.files.get("file")
        data = upload.read() if upload is not None else request.get_data()
        filename = (upload.filename if upload is not None else None) or request.args.get(
            "filename", ""
        )
        if not data:
            raise AttendanceError(
                "no file: send it as the body or as the form field 'file'",
                [{"path": "$", "message": "empty"}],
            )
        summary = import_file(
            host,
            tenant(),
            key,
            data,
            filename=filename or "",
            source=request.args.get("source") or None,
            dry_run=_flag("dry_run"),
            actor=api_actor(),
            event_source=request_source(),
        )
        return jsonify(summary.as_dict())

    @blueprint.get("/sessions/<key>/attendance")
    @host.requires(READ)
    def show_attendance(key: str) -> Any:
        return jsonify(service.attendance(host, tenant(), key))

    @blueprint.get("/reviews")
    @host.requires(READ)
    def list_reviews() -> Any:
        status = request.args.get("status", "open")
        if status not in ("open", "resolved", "ignored", "all"):
            raise AttendanceError(
                "status must be open, resolved, ignored or all",
                [{"path": "query.status", "message": f"{status!r} is not a status"}],
            )
        return jsonify(
            {"reviews": service.reviews(host, tenant(), status, request.args.get("session"))}
        )

    @blueprint.post("/reviews/<review_id>")
    @host.requires(WRITE)
    def settle_review(review_id: str) -> Any:
        data = json_body()
        if (
            not isinstance(data, dict)
            or set(data) - {"employee_id", "ignore"}
            or (("employee_id" in data) == (data.get("ignore") is True))
        ):
            raise AttendanceError(
                'give either employee_id or "ignore": true',
                [{"path": "$", "message": 'expected {"employee_id": "E1"} or {"ignore": true}'}],
            )
        employee_id = data.get("employee_id")
        if employee_id is not None and (not isinstance(employee_id, str) or not employee_id):
            raise AttendanceError(
                "employee_id must be a string",
                [{"path": "$.employee_id", "message": "not a non-empty string"}],
            )
        keys = resolve_review(
            host,
            tenant(),
            review_id,
            employee_id=employee_id,
            actor=api_actor(),
            event_source=request_source(),
        )
        return jsonify({"id": int(review_id), "sessions_recorded": keys})

    return blueprint
