"""The one place where exceptions become HTTP responses: always JSON, never a leak."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from lrs.xapi.errors import XapiError

log = logging.getLogger("lrs.http")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(XapiError, _xapi_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _xapi_error(exc: XapiError) -> tuple[Response, int, dict[str, str]]:
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
