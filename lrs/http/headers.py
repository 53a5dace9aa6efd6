"""Headers on every API response: what a client stored must never run as a page of ours.

A state or profile document is whatever a credential holding the ``state`` scope
stored, HTML with a script included; and a cross-site form can make a signed-in
admin's browser open it on Weft's origin (xAPI 1.0.3's alternate request syntax
carries the credentials as form fields). So API responses are never sniffed into
another type, run sandboxed with no script and no same origin (CSP ``sandbox``), are
never framed, and a stored document that is not JSON is served as a download.
"""

from __future__ import annotations

from flask import Response

#: No script, no plugin, no same origin, no framing: an API answer is data, never a page.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def api_headers(response: Response) -> Response:
    """Adds those a view did not set, to every response that is not a UI page's
    (:mod:`lrs.web.security` tells them apart): core's APIs and plugins' alike.

    One pass over the response's headers: ``Headers.setdefault`` scans them for each
    name, and raises and catches an exception for each one missing (every time).
    """
    present = {name.lower() for name, _value in response.headers.items()}
    for name, value in API_HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def as_download(response: Response) -> Response:
    """Have a browser save, never render, a stored document it could otherwise run."""
    response.headers["Content-Disposition"] = "attachment"
    return response
