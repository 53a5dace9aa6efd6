"""``/xapi/about``: versions spoken, open to anyone."""

from __future__ import annotations

from flask import Blueprint, jsonify

from lrs.xapi.versions import SUPPORTED

bp = Blueprint("about", __name__)


@bp.route("/about", methods=["GET", "HEAD"])
def about():  # type: ignore[no-untyped-def]
    return jsonify({"version": list(SUPPORTED), "extensions": {}})
