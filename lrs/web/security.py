"""Browser security of the web UI: the session cookie, CSRF, and response headers.

Only UI views (declared with :func:`~lrs.web.access.requires_role` or
:func:`~lrs.web.access.public`) are touched. The xAPI, the OAuth2 token
endpoints and plugin APIs authenticate every request with a header, never a
cookie, so a forged cross-site request carries nothing: they need no CSRF token,
and get none of the page headers; every other response, core's or a plugin's,
gets the API's (:func:`lrs.http.headers.api_headers`: data, never a page).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    has_request_context,
    render_template,
    request,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect

from lrs.http.headers import api_headers
from lrs.web.access import current_user, ui_roles

#: What UI pages may load: only this site's own files; never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
#: One year, as browsers' preload lists expect.
HSTS = "max-age=31536000; includeSubDomains"
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked ``Secure`` whenever the request came over HTTPS.

    ``SESSION_COOKIE_SECURE`` is one value for the whole app; a deployment often
    serves plain HTTP on loopback (tests, a health check) and HTTPS behind its
    proxy, and the cookie should be Secure exactly in the second case.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """No cookie, no session to read: API clients send none (the cookie's path is
        ``/ui``), and Flask's own opening built a signing serializer and parsed the
        cookies of every request, a twentieth of a GET by id."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Nothing to write for a session never touched, as API requests' are: Flask
        would still read the cookie's six settings first, on every response."""
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def init_security(app: Flask, *, lifetime_seconds: int) -> None:
    """Session cookie settings, CSRF checking of UI forms, headers on UI responses."""
    app.session_interface = SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="weft_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Only UI pages get the cookie: never an xAPI, OAuth or plugin API request.
        SESSION_COOKIE_PATH="/ui",
        PERMANENT_SESSION_LIFETIME=lifetime_seconds,
        # CSRF is checked for UI views only (below), not for every POST of the app.
        WTF_CSRF_CHECK_DEFAULT=False,
        # The token lives as long as the session that holds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf = CSRFProtect(app)
    app.before_request(lambda: _check_csrf(csrf))
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)


def is_ui_request() -> bool:
    """Whether the current request is for a UI page or the UI's static files."""
    if request.endpoint == "web.static":
        return True
    return ui_roles(current_app.view_functions.get(request.endpoint or "")) is not None


def _check_csrf(csrf: CSRFProtect) -> None:
    if request.method in _UNSAFE_METHODS and is_ui_request():
        csrf.protect()


def _security_headers(response: Response) -> Response:
    """A UI page's headers on UI responses, the API's on every other one (a plugin's
    API included: it never has to remember them)."""
    if not is_ui_request():
        return api_headers(response)
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "web.static" and current_user() is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_error(exc: CSRFError) -> Any:
    return render_template(
        "web/error.html", status=400, title="Form expired or forged",
        message="The form was missing its security token or the token did not match "
                "your session (" + (exc.description or "CSRF check failed")
                + "). Go back, reload the page and try again."), 400
