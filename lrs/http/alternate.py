"""xAPI 1.0.3 Alternate Request Syntax (Communication 1.3): any request as a form POST.

xAPI 2.0 removed it, so only requests that speak 1.0.x are rewritten.

Browsers that cannot send custom headers or methods POST an
``application/x-www-form-urlencoded`` form to ``<resource>?method=<METHOD>``; the
form carries the headers (``Authorization``, ``X-Experience-API-Version``, ...),
the ``content`` (the body) and the other parameters. This WSGI middleware turns
such a request back into the request it stands for *before* Flask sees it, so
authentication, version negotiation and every resource work unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlencode

#: Form fields that are HTTP headers (Communication 1.3), as WSGI environ keys.
HEADER_FIELDS = {
    "Authorization": "HTTP_AUTHORIZATION",
    "X-Experience-API-Version": "HTTP_X_EXPERIENCE_API_VERSION",
    "Content-Type": "CONTENT_TYPE",
    "Content-Length": "CONTENT_LENGTH",
    "If-Match": "HTTP_IF_MATCH",
    "If-None-Match": "HTTP_IF_NONE_MATCH",
}
METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
_FORM = "application/x-www-form-urlencoded"
#: The credentials field, found in the raw form before anything is decoded.
_AUTHORIZATION_FIELD = re.compile(rb"(?:^|&)Authorization=")
#: Open to anyone (xAPI About), so not refused for lack of credentials.
_OPEN_RESOURCES = frozenset({"about"})



class _Refused(Exception):
    """The request cannot be an alternate-syntax request: answered without the app."""

    def __init__(self, message: str, status: str = "400 BAD REQUEST") -> None:
        super().__init__(message)
        self.status = status


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AlternateRequestSyntax:
    """Wrap ``app``: rewrite ``POST <prefix>...?method=X`` form requests, refuse bad ones."""

    def __init__(
        self, app: WSGIApp, prefix: str = "/xapi/", *, max_form_bytes: int = 1024 * 1024,
        max_form_fields: int = 100,
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.max_form_bytes = max_form_bytes
        self.max_form_fields = max_form_fields

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # Only a POST to the xAPI with a query string can be one: the others pass
        # without their query being parsed (it was a hundredth of a state PUT's CPU).
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not environ.get("QUERY_STRING")
            or not environ.get("PATH_INFO", "").startswith(self.prefix)
        ):
            return self.app(environ, start_response)
        query = parse_qs(environ["QUERY_STRING"], keep_blank_values=True)
        if "method" not in query:
            return self.app(environ, start_response)
        try:
            rewritten = self._rewrite(environ, query)
        except _Refused as exc:
            return _refuse(exc, start_response)
        return self.app(rewritten, start_response)

    def _rewrite(self, environ: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
        if set(query) != {"method"} or len(query["method"]) != 1:
            raise _Refused("an alternate-syntax request takes only the method parameter "
                             "in its query string; send the others as form fields")
        method = query["method"][0].upper()
        if method not in METHODS:
            raise _Refused(f"method {query['method'][0]!r} is not an HTTP method xAPI uses")
        media_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if media_type != _FORM:
            raise _Refused(f"an alternate-syntax request must be {_FORM}")
        body = self._read(environ)
        self._check_unparsed(environ, body)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        version = form.get("X-Experience-API-Version", [""])[-1] or environ.get(
            "HTTP_X_EXPERIENCE_API_VERSION", ""
        )
        if not version.strip().startswith("1.0"):
            # xAPI 2.0 dropped the syntax: hand the request on untouched (its
            # ``method`` parameter then gets the usual unknown-parameter 400).
            return {**environ, "wsgi.input": BytesIO(body)}
        new = dict(environ)
        new["REQUEST_METHOD"] = method
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            new.pop(name, None)
        params: list[tuple[str, str]] = []
        content = b""
        for name, values in form.items():
            if name == "content":
                content = values[-1].encode("utf-8")
            elif name in HEADER_FIELDS:
                new[HEADER_FIELDS[name]] = values[-1]
            else:
                params.extend((name, value) for value in values)
        if content and "CONTENT_TYPE" not in new:
            new["CONTENT_TYPE"] = "application/json"
        new["CONTENT_LENGTH"] = str(len(content))
        new["wsgi.input"] = BytesIO(content)
        new["QUERY_STRING"] = urlencode(params)
        return new

    def _read(self, environ: dict[str, Any]) -> bytes:
        """The form, refused with 413 past ``max_form_bytes`` (declared or read)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            raise _Refused("Content-Length is not a number") from None
        if length > self.max_form_bytes:
            raise self._too_large()
        if length < 0:
            # Chunked: only a server that terminates the stream may be read to its end.
            if "wsgi.input_terminated" not in environ:
                return b""
            length = self.max_form_bytes + 1
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) > self.max_form_bytes:
            raise self._too_large()
        return body

    def _check_unparsed(self, environ: dict[str, Any], body: bytes) -> None:
        """Refuse, before decoding anything, forms with too many fields or no credentials.

        Parsing cost grows with the number of fields, so it is counted first; the
        credentials themselves are checked by the app, before it reads ``content``.
        """
        if body.count(b"&") + 1 > self.max_form_fields:
            raise _Refused(f"an alternate-syntax form holds at most {self.max_form_fields} "
                           "fields", "413 REQUEST ENTITY TOO LARGE")
        resource = environ.get("PATH_INFO", "")[len(self.prefix):].strip("/")
        if (
            "HTTP_AUTHORIZATION" not in environ
            and resource not in _OPEN_RESOURCES
            and not _AUTHORIZATION_FIELD.search(body)
        ):
            raise _Refused("credentials are required: send an Authorization form field",
                           "401 UNAUTHORIZED")

    def _too_large(self) -> _Refused:
        return _Refused(f"an alternate-syntax form is larger than the {self.max_form_bytes} "
                        "byte limit; send bigger bodies as ordinary requests",
                        "413 REQUEST ENTITY TOO LARGE")


def _refuse(exc: _Refused, start_response: Callable[..., Any]) -> list[bytes]:
    error = exc.status.split(" ", 1)[1].lower().replace(" ", "_")
    body = json.dumps({"error": error, "message": str(exc)}).encode("utf-8")
    start_response(exc.status, [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Experience-API-Version", "1.0.3"),
        *([("WWW-Authenticate", 'Basic realm="xAPI"')] if exc.status.startswith("401") else []),
    ])
    return [body]
