"""The web UI's "Attendance" pages, for admins: sessions, a session's attendance with
an upload form, and the review queue with a form per row to settle it.

Everything shown was written by a report file, a CSV or a client, so it is only
ever rendered as text (Jinja's autoescape), never as markup.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for

from lrs.plugin.host import AdminPage, Host
from plugins.attendance import service
from plugins.attendance.errors import AttendanceError
from plugins.attendance.importing import import_file, resolve_review
from plugins.attendance.sources import SOURCES

ROLES = ("admin",)
#: The UI works on the default store, as the audit trail's page does.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [
        AdminPage("Attendance", endpoint="attendance_ui.index", roles=ROLES),
        AdminPage("Attendance review", endpoint="attendance_ui.reviews", roles=ROLES),
    ]


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint(
        "attendance_ui", __name__, url_prefix="/ui/attendance", template_folder="templates"
    )

    def sessions_page(status: int = 200, error: AttendanceError | None = None) -> Any:
        return render_template(
            "attendance/sessions.html",
            sessions=service.sessions(host, TENANT_ID),
            error=error,
            form=request.form,
        ), status

    @blueprint.get("/")
    @host.requires_role(*ROLES)
    def index() -> Any:
        return sessions_page()

    @blueprint.post("/")
    @host.requires_role(*ROLES)
    def create() -> Any:
        form = request.form
        data: dict[str, Any] = {
            k: form[k]
            for k in (
                "key",
                "activity_id",
                "title",
                "start",
                "end",
                "timezone",
                "location",
                "meeting_id",
                "platform",
                "instructor",
            )
            if form.get(k)
        }
        data["roster"] = {
            k: [v.strip() for v in form.get(k, "").splitlines() if v.strip()]
            for k in ("people", "groups")
        }
        try:
            service.create_or_update(
                host, TENANT_ID, data, actor=g.web_user.actor, create_only=True
            )
        except AttendanceError as exc:
            return sessions_page(exc.status, exc)
        return redirect(url_for("attendance_ui.session", key=data["key"]))

    def session_page(
        key: str,
        status: int = 200,
        error: AttendanceError | None = None,
        summary: dict[str, Any] | None = None,
    ) -> Any:
        return render_template(
            "attendance/session.html",
            attendance=service.attendance(host, TENANT_ID, key),
            sources=sorted(SOURCES),
            error=error,
            summary=summary,
        ), status

    @blueprint.get("/session")
    @host.requires_role(*ROLES)
    def session() -> Any:
        try:
            return session_page(request.args.get("key", ""))
        except AttendanceError as exc:
            return sessions_page(exc.status, exc)

    @blueprint.post("/session")
    @host.requires_role(*ROLES)
    def upload() -> Any:
        key = request.args.get("key", "")
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise AttendanceError("choose a file to import")
            summary = import_file(
                host,
                TENANT_ID,
                key,
                upload.read(),
                filename=upload.filename,
                source=request.form.get("source") or None,
                actor=g.web_user.actor,
            )
            return session_page(key, summary=summary.as_dict())
        except AttendanceError as exc:
            try:
                return session_page(key, exc.status, exc)
            except AttendanceError as missing:  # no such session
                return sessions_page(missing.status, missing)

    def reviews_page(
        status: int = 200, error: AttendanceError | None = None, done: str | None = None
    ) -> Any:
        return render_template(
            "attendance/reviews.html",
            reviews=service.reviews(host, TENANT_ID, "open"),
            error=error,
            done=done,
        ), status

    @blueprint.get("/reviews")
    @host.requires_role(*ROLES)
    def reviews() -> Any:
        return reviews_page()

    @blueprint.post("/reviews/<review_id>")
    @host.requires_role(*ROLES)
    def resolve(review_id: str) -> Any:
        ignore = request.form.get("decision") == "ignore"
        employee_id = None if ignore else (request.form.get("employee_id") or "").strip()
        try:
            if not ignore and not employee_id:
                raise AttendanceError("give the person's employee id, or ignore the rows")
            keys = resolve_review(
                host, TENANT_ID, review_id, employee_id=employee_id, actor=g.web_user.actor
            )
        except AttendanceError as exc:
            return reviews_page(exc.status, exc)
        return reviews_page(
            done=f"Review {review_id} settled; recorded again: {', '.join(keys) or 'no session'}."
        )

    return blueprint
