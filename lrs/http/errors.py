"""The one place where exceptions become HTTP responses: always JSON, never a leak."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from lrs.masking import redact
from lrs.plugin.errors import ApiError
from lrs.xapi.errors import BadRequest, ServiceUnavailable, XapiError

log = logging.getLogger("lrs.http")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(XapiError, xapi_error_response)
    app.register_error_handler(ApiError, _plugin_refusal)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy_or_unexpected)
    app.register_error_handler(DataError, _value_the_database_refused)
    app.register_error_handler(Exception, _unexpected_error)


def xapi_error_response(exc: XapiError) -> tuple[Response, int, dict[str, str]]:
    """``exc`` as the JSON error response every refusal gets (also the rate limiter's)."""
    return jsonify(exc.as_dict()), exc.status, exc.headers


def _plugin_refusal(exc: ApiError) -> tuple[Response, int]:
    """A plugin's refusal (:class:`lrs.plugin.errors.ApiError`), in the same JSON shape."""
    return jsonify(exc.as_dict()), exc.status


def _http_error(exc: HTTPException) -> Response:
    response = exc.get_response()
    status = exc.code or 500
    name = (exc.name or "error").lower().replace(" ", "_")
    response.data = jsonify({"error": name, "message": exc.description or exc.name}).data
    response.content_type = "application/json"
    response.status_code = status
    return response


#: What SQLite says when its write lock stayed taken for the whole busy timeout.
_SQLITE_BUSY = ("database is locked", "database table is locked")
#: PostgreSQL's SQLSTATEs for a lock or statement that waited too long.
_POSTGRES_TIMEOUTS = {"55P03", "57014"}
#: Seconds a client is told to wait before retrying a write that found the lock taken.
RETRY_AFTER_BUSY = 5


def _database_busy_or_unexpected(exc: OperationalError) -> Any:
    """A write that waited out the lock timeout is the server's load, not the request's
    fault: 503 with ``Retry-After``, so clients retry (nothing of it was stored)."""
    orig = exc.orig
    if (getattr(orig, "sqlstate", None) in _POSTGRES_TIMEOUTS
            or any(text in str(orig) for text in _SQLITE_BUSY)):
        log.warning("database busy: %s", type(orig).__name__)
        return xapi_error_response(ServiceUnavailable(
            "the database is busy with other writes; retry in a few seconds",
            headers={"Retry-After": str(RETRY_AFTER_BUSY)}))
    return _unexpected_error(exc)


def _value_the_database_refused(exc: DataError) -> Any:
    """A value the database cannot hold or compare (a NUL in a JSON string, a number
    past BIGINT, a string too long for its column) came from the request: ``400``
    saying what the database said, nothing stored. Logged with its traceback, since a
    route should have refused it with a message of its own."""
    log.warning("a value of the request was refused by the database", exc_info=exc)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "invalid value"
    return xapi_error_response(BadRequest(
        f"a value of the request cannot be stored or compared: {redact(reason)[:200]}"))


def _unexpected_error(exc: Exception) -> tuple[Response, int]:
    log.exception("unhandled error")
    return jsonify({"error": "internal_error", "message": "internal server error"}), 500
