"""The one place where exceptions become HTTP responses: always JSON, never a leak."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from lrs.xapi.errors import XapiError

log = logging.getLogger("lrs.http")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(XapiError, xapi_error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def xapi_error_response(exc: XapiError) -> tuple[Response, int, dict[str, str]]:
    """``exc`` as the JSON error response every refusal gets (also for the rate limiter,
    whose refusals are made inside Flask-Limiter's own handler)."""
    return jsonify(exc.as_dict()), exc.status, exc.headers


def _http_error(exc: HTTPException) -> Response:
    response = exc.get_response()
    status = exc.code or 500
    name = (exc.name or "error").lower().replace(" ", "_")
    response.data = jsonify({"error": name, "message": exc.description or exc.name}).data
    response.content_type = "application/json"
    response.status_code = status
    return response


def _unexpected_error(exc: Exception) -> tuple[Response, int]:
    log.exception("unhandled error")
    return jsonify({"error": "internal_error", "message": "internal server error"}), 500
