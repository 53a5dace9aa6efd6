"""Structured logs: one JSON object per line, a request id on every request, no secrets.

:func:`configure_logging` gives the ``lrs`` logger one stderr handler (JSON or
text, per :attr:`Settings.log_format`) and makes the app log one access line per
request. Every record passes :class:`RedactingFilter` first, because a secret
that reaches a log file is a leaked secret: Basic/Bearer credentials, passwords in
database URLs and ``secret=``-style pairs are masked whatever logger wrote them
(:func:`lrs.masking.redact`, the rule every masked view of Weft shares).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from flask import Flask, Response, g, has_request_context, request

from lrs.masking import redact
from lrs.models.types import iso_milliseconds
from lrs.settings import Settings

#: Request header whose value becomes the request id (echoed in the response).
REQUEST_ID_HEADER = "X-Request-Id"
#: A client-sent request id is kept only when it is this harmless; else one is made.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

#: One line of JSON, non-ASCII as is; what JSON cannot hold is written as its text.
#: msgspec's encoder takes a sixth of ``json.dumps``'s time, on every request's line.
_ENCODE = msgspec.json.Encoder(enc_hook=str).encode
#: What every record has. Any other attribute is a field its caller added
#: (``extra={...}``: the access line's request fields, a connector run's name and
#: error) or :class:`RedactingFilter` did (``request_id``): the formatters print those.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
#: The access line's fields, made by Weft from the request: nothing there to mask.
_ACCESS_FIELDS = frozenset({"request_id", "method", "path", "status", "duration_ms",
                            "credential"})


def _fields(record: logging.LogRecord) -> list[tuple[str, Any]]:
    """The fields a record's caller added, in the order they were set (``None`` left out)."""
    return [(name, value) for name, value in record.__dict__.items()
            if name not in _RECORD_ATTRIBUTES and value is not None]


class RedactingFilter(logging.Filter):
    """Masks secrets in the message and its arguments, and adds the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name, value in _fields(record):
            if isinstance(value, str) and name not in _ACCESS_FIELDS:
                setattr(record, name, redact(value))
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the caller's fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": iso_milliseconds(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in _fields(record):
            entry.setdefault(name, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return _ENCODE(entry).decode()


class TextFormatter(logging.Formatter):
    """For a terminal: the same fields as :class:`JsonFormatter`, on one readable line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{name}={value}" for name, value in _fields(record))
        return f"{line} [{extras}]" if extras else line


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at emit time (survives stream swaps)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current stderr."""


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def make_handler(log_format: str) -> logging.Handler:
    """A stderr handler with redaction, for ``lrs`` and for gunicorn's own loggers."""
    handler = _StderrHandler()
    handler.setFormatter(make_formatter(log_format))
    handler.addFilter(RedactingFilter())
    return handler


def configure_logging(app: Flask, settings: Settings) -> None:
    """Send ``lrs.*`` logs to stderr in the configured format; log every request.

    Idempotent: the handler installed by an earlier call (another app in the same
    process, e.g. in tests) is replaced, never duplicated.
    """
    logger = logging.getLogger("lrs")
    for old in [h for h in logger.handlers if getattr(h, "lrs_handler", False)]:
        logger.removeHandler(old)
    handler = make_handler(settings.log_format)
    handler.lrs_handler = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())
    app.before_request(_start_request)
    app.after_request(_log_request)


def _start_request() -> None:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = sent if _SAFE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


_access = logging.getLogger("lrs.access")


def _log_request(response: Response) -> Response:
    """The access line, made as ``Logger.log`` makes it but for the caller's file and line.

    ``Logger.log`` walks the stack for the caller on every call (no formatter of ours
    prints it): a third of the line's cost, on every request.
    """
    request_id = g.request_id
    response.headers[REQUEST_ID_HEADER] = request_id
    status = response.status_code
    level = logging.WARNING if status >= 500 else logging.INFO
    if _access.isEnabledFor(level):
        method, path = request.method, request.path
        fields = {
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 2),
            "credential": _credential_key(),
        }
        _access.handle(_access.makeRecord(
            _access.name, level, __file__, 0, "%s %s %s", (method, path, status), None,
            extra=fields))
    return response


def _credential_key() -> str | None:
    """The key (Basic) or client_id (Bearer) of an authenticated request, never a secret.

    Only once authentication succeeded (``g.principal`` is set): a failed attempt's
    username could be anything, a mistyped secret included.
    """
    principal = g.get("principal")
    return None if principal is None else principal.key
