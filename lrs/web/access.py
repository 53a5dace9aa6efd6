"""Who is signed in to the web UI, and which role each page requires.

A sign-in lives in Flask's signed session cookie, with a random session id. It
is accepted only while it is younger than ``LRS_SESSION_LIFETIME_SECONDS``,
while the sign-in method that created it is still enabled (``LRS_LOCAL_LOGIN``
for local admins, OIDC configured for the rest), and while its id was not
revoked: sign-out records the id server-side
(:mod:`lrs.store.web_sessions`), so a copy of the cookie stops working too.

Every UI view declares its access with :func:`requires_role` or :func:`public`;
the declaration is kept on the view (``ui_roles``) so that the CSRF check and
the security headers (:mod:`lrs.web.security`) know a UI view when they see one,
and ``tests/architecture`` checks that no UI route forgot it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for

from lrs.auth.roles import check_roles
from lrs.auth.sso import WebUser, sso_enabled
from lrs.plugin.request import request_source
from lrs.runtime import current_runtime
from lrs.services.admin import announce_action
from lrs.store.web_sessions import revoke_web_session, web_session_revoked

F = TypeVar("F", bound=Callable[..., Any])

#: Session key of the signed-in person.
_USER_KEY = "web_user"
#: Session key of the session's random id (what sign-out revokes).
_SESSION_ID_KEY = "web_session_id"
#: ``ui_roles`` of a page anyone may open (sign-in, sign-out).
PUBLIC: tuple[str, ...] = ()


def current_user() -> WebUser | None:
    """The signed-in person, or ``None`` (also once the sign-in is older than its lifetime)."""
    data = session.get(_USER_KEY)
    if not data:
        return None
    try:
        user = WebUser.from_session(data)
    except (KeyError, TypeError, ValueError):
        return None
    settings = current_runtime().settings
    if time.time() - user.signed_in_at > settings.session_lifetime_seconds:
        return None
    if not _method_enabled(user.method):
        return None
    session_id = session.get(_SESSION_ID_KEY)
    if not isinstance(session_id, str) or _revoked(session_id):
        return None
    return user


def sign_in(user: WebUser) -> None:
    """Start a fresh session for ``user`` (nothing of the anonymous one survives)."""
    session.clear()
    session.permanent = True
    session[_USER_KEY] = user.to_session()
    session[_SESSION_ID_KEY] = secrets.token_urlsafe(32)


def sign_out() -> None:
    """End the session here and server-side: its cookie, replayed, is refused."""
    session_id = session.get(_SESSION_ID_KEY)
    if isinstance(session_id, str):
        # The session cannot outlive a lifetime from now: its record need not either.
        lifetime = current_runtime().settings.session_lifetime_seconds
        expires_us = (int(time.time()) + lifetime) * 1_000_000
        with current_runtime().db.write() as db_session:
            revoke_web_session(db_session, session_id, expires_us=expires_us)
        g.setdefault("revoked_web_sessions", {})[session_id] = True
    session.clear()


def _method_enabled(method: str) -> bool:
    """A session ends with the sign-in method that created it."""
    if method == "local":
        return current_runtime().settings.local_login
    return method == "oidc" and sso_enabled()


def _revoked(session_id: str) -> bool:
    """Whether sign-out revoked ``session_id`` (looked up once per request)."""
    known: dict[str, bool] = g.setdefault("revoked_web_sessions", {})
    if session_id not in known:
        with current_runtime().db.read() as db_session:
            known[session_id] = web_session_revoked(db_session, session_id)
    return known[session_id]


def requires_role(*roles: str) -> Callable[[F], F]:
    """Allow the view to signed-in people holding one of ``roles``.

    Not signed in: redirect to the sign-in page (back here afterwards). Signed in
    without the role: a 403 page. The person is then ``flask.g.web_user``.
    """
    check_roles(roles, "requires_role")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
            if not user.roles & set(roles):
                return render_template("web/error.html", status=403, title="Not for your role",
                                       message="This page needs one of the roles: "
                                       + ", ".join(roles) + "."), 403
            g.web_user = user
            return view(*args, **kwargs)

        wrapper.ui_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Declare a UI view open to everyone (the sign-in pages)."""
    view.ui_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def ui_roles(view: Callable[..., Any] | None) -> tuple[str, ...] | None:
    """The roles a view was declared with; ``None`` for views that are not UI pages."""
    return getattr(view, "ui_roles", None)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another host: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


def announce_session_event(action: str, user: WebUser | None,
                           details: dict[str, Any]) -> None:
    """Commit an ``admin_action_taken`` event about a sign-in or sign-out, with its source.

    :param user: who signed in or out, or tried to; ``None`` when nobody is known.
    """
    runtime = current_runtime()
    with runtime.db.write() as db_session:
        announce_action(runtime, db_session, actor=user.actor if user else "admin:unknown",
                        action=action,
                        target=f"person:{user.subject if user else 'unknown'}",
                        details=details, source=request_source())
