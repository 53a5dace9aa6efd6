"""CORS for browser-based learning content (xAPI is mostly spoken from web pages).

Content served from another origin calls the LRS with ``Authorization`` and
``X-Experience-API-Version`` headers, so browsers send a preflight ``OPTIONS``
first; it carries no credentials and is answered before authentication (see
:mod:`lrs.http.xapi`). The response headers a script needs to read (ETags for
concurrency, the consistency marker, how long to wait after a 429) are exposed
explicitly.

Only requests that carry an ``Origin`` header get the headers: a browser sends one
on every cross-origin call, while LMSs and tools posting from servers send none, and
answering those with CORS headers cost every such request flask-cors's whole
evaluation (about a fiftieth of a single-statement POST's CPU, issue 17). Its
after-request function is not even called for them: matching the path against its
resources still cost a state PUT a fortieth of its CPU in process.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS

from lrs.settings import Settings

ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Experience-API-Version",
                   "If-Match", "If-None-Match")
EXPOSED_HEADERS = ("ETag", "Last-Modified", "X-Experience-API-Version",
                   "X-Experience-API-Consistent-Through", "Retry-After")
METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")


def enable_cors(app: Flask, settings: Settings) -> None:
    """Answer cross-origin requests to ``/xapi/`` from ``LRS_CORS_ORIGINS``."""
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    CORS(
        app,
        resources={r"/xapi/*": {}},
        origins="*" if origins in ([], ["*"]) else origins,
        methods=list(METHODS),
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        # Credentials travel in the Authorization header, never in cookies.
        supports_credentials=False,
        max_age=86400,
        always_send=False,
    )
    _only_for_cross_origin_requests(app)


def _only_for_cross_origin_requests(app: Flask) -> None:
    """Call the after-request function ``CORS(app)`` just registered only for requests
    with an ``Origin`` (responses to errors still pass through it: flask-cors wraps
    the error handlers too)."""
    functions = app.after_request_funcs[None]
    cors_after_request = functions[-1]
    if getattr(cors_after_request, "__name__", "") != "cors_after_request":
        raise RuntimeError("flask-cors no longer registers cors_after_request last")

    def cors_if_cross_origin(response: Response) -> Response:
        return cors_after_request(response) if "Origin" in request.headers else response

    functions[-1] = cors_if_cross_origin
