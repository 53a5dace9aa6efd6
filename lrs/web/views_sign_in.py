"""Sign-in (identity provider or local bootstrap password) and sign-out.

Each sign-in, refused sign-in and sign-out is announced as an admin action
(``session.signed_in``, ``session.sign_in_failed``, ``session.signed_out``),
so the audit trail records who came in, from where, and who was turned away.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from lrs.auth.passwords import password_matches
from lrs.auth.sso import SignInRefused, WebUser, finish_sign_in, local_user, sso_enabled
from lrs.auth.sso import start_sign_in as redirect_to_idp
from lrs.runtime import current_runtime
from lrs.store.local_admins import find_local_admin
from lrs.web.access import (
    announce_session_event,
    current_user,
    public,
    safe_next,
    sign_in,
    sign_out,
)

#: Session key of the page to return to after signing in at the identity provider.
_NEXT_KEY = "web_next"


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/sign-in", "sign_in", sign_in_page, methods=["GET"])
    bp.add_url_rule("/sign-in/oidc", "oidc_start", oidc_start, methods=["GET"])
    bp.add_url_rule("/sign-in/callback", "oidc_callback", oidc_callback, methods=["GET"])
    bp.add_url_rule("/sign-in/local", "local_sign_in", local_sign_in, methods=["POST"])
    bp.add_url_rule("/sign-out", "sign_out", sign_out_view, methods=["POST"])


@public
def sign_in_page() -> Any:
    """Sign-in choices: the identity provider, or how to configure one; local if enabled."""
    if current_user() is not None and not request.args.get("signed_out"):
        return redirect(safe_next(request.args.get("next")) or url_for("web.home"))
    return _sign_in_form()


@public
def oidc_start() -> Any:
    """Send the browser to the identity provider (state, nonce and PKCE in the session)."""
    session[_NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        return redirect_to_idp(url_for("web.oidc_callback", _external=True))
    except SignInRefused as refused:
        return _refused(refused, method="oidc")


@public
def oidc_callback() -> Any:
    """The identity provider's answer: sign the person in, or refuse with a clear page."""
    next_page = safe_next(session.pop(_NEXT_KEY, None))
    try:
        user = finish_sign_in(current_runtime().settings)
    except SignInRefused as refused:
        return _refused(refused, method="oidc")
    return _signed_in(user, next_page)


@public
def local_sign_in() -> Any:
    """Password sign-in of a local bootstrap admin (only with ``LRS_LOCAL_LOGIN``)."""
    runtime = current_runtime()
    if not runtime.settings.local_login:
        abort(404)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    with runtime.db.read() as db_session:
        row = find_local_admin(db_session, email) if email else None
        stored = row.password_hash if row is not None else None
        email = row.email if row is not None else email
    if not password_matches(password, stored):
        known = row is not None
        announce_session_event(
            "session.sign_in_failed", local_user(email) if known else None,
            details={"method": "local",
                     "reason": "wrong password" if known else "unknown local admin"})
        return _sign_in_form(error="Unknown e-mail address or wrong password."), 401
    return _signed_in(local_user(email), safe_next(request.form.get("next")))


@public
def sign_out_view() -> Any:
    user = current_user()
    if user is not None:
        announce_session_event("session.signed_out", user, details={"method": user.method})
    sign_out()
    return redirect(url_for("web.sign_in", signed_out=1))


def _signed_in(user: WebUser, next_page: str | None) -> Any:
    sign_in(user)
    announce_session_event("session.signed_in", user,
                           details={"method": user.method, "email": user.email,
                                    "roles": sorted(user.roles)})
    return redirect(next_page or url_for("web.home"))


def _refused(refused: SignInRefused, *, method: str) -> Any:
    user = refused.user
    announce_session_event(
        "session.sign_in_failed", user,
        details={"method": method, "reason": refused.reason,
                 **({"email": user.email} if user and user.email else {})})
    return render_template("web/refused.html", message=str(refused),
                           person=user.display_name if user else None), 403


def _sign_in_form(error: str | None = None) -> str:
    settings = current_runtime().settings
    return render_template(
        "web/sign_in.html", sso=sso_enabled(), local_login=settings.local_login,
        next=safe_next(request.values.get("next")) or "", error=error,
        signed_out=bool(request.args.get("signed_out")))
