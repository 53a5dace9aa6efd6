"""A no-op Flask app: the ceiling of what gunicorn and Flask cost per request.

``python -m bench.requests`` serves it with the same ``gunicorn.conf.py`` as Weft
(gthread, the same workers and threads), ``gunicorn ... bench.noop:app``: its
requests/s and CPU per request are what any Flask app pays on this machine before
doing any work, the floor under Weft's per-request cost.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT"])
@app.route("/<path:path>", methods=["GET", "POST", "PUT"])
def answer(path: str) -> dict[str, str]:
    """A small JSON body, whatever was asked (the request body is read, as Weft reads it)."""
    from flask import request

    request.get_data()
    return {"ok": "yes"}
