"""What no request of Weft or of a plugin may hold, refused before any view reads it.

A NUL character has no use in a path, a query parameter or a form field, and
PostgreSQL refuses it in text: one that reached a query was a 500 there (and was
stored as is on SQLite), on every route that did not check for it itself. So the
request is refused here, once, for core and plugins alike: ``400`` with the JSON
error body, naming where the NUL was.

Numbers in paths (``<int:...>``) stop at what a database integer holds
(:class:`BoundedIntegerConverter`): a larger one names nothing, ``404``, instead of
an overflow in the database driver.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from lrs.plugin.request import LARGEST_ID
from lrs.xapi.errors import BadRequest, ErrorDetail

#: Form encodings whose fields :func:`refuse_nul` reads (files are data: not checked).
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul() -> None:
    """``before_request``: refuse a NUL in the path, a query parameter or a form field.

    The xAPI and SCIM resources check their parameters themselves, and say so in their
    protocols' terms (the JSON path within ``agent``, SCIM's ``scimType``).

    :raises BadRequest: naming the parameter or field.
    """
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    in_path = "\x00" in request.path
    in_query = "%00" in query or "\x00" in query
    form = environ.get("CONTENT_TYPE", "").startswith(_FORMS)
    if not (in_path or in_query or form):  # every request asks: the common answer first
        return
    if "xapi" in request.blueprints or "scim" in request.blueprints:
        return
    if in_path:
        raise BadRequest("the path holds a NUL character (%00)")
    if in_query:
        _refuse_in(request.args.items(multi=True), "query parameter")
    if form:
        _refuse_in(request.form.items(multi=True), "form field")


def _refuse_in(fields: Iterable[tuple[str, str]], kind: str) -> None:
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "%00")[:60]
            raise BadRequest(f"{kind} {shown!r} holds a NUL character (%00)",
                             errors=[ErrorDetail(shown, "holds a NUL character")])


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` up to :data:`LARGEST_ID` unless a route says otherwise."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = LARGEST_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def guard_requests(app: Flask) -> None:
    """Install both on ``app``: before its routes are added (the converter applies to
    rules made afterwards) and before its other request hooks."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_nul)
