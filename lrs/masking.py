"""The one rule for what is secret, and how a secret is shown: masked, at most fingerprinted.

Logs (:mod:`lrs.logging`), the configuration record (:mod:`lrs.services.configuration`),
``lrs config show`` and the web UI's configuration page all mask through this
module, so a variable masked in one place is masked in all of them.

Two kinds of secret:

* a whole value: a :class:`~lrs.settings.Settings` field declared with
  ``repr=False`` (``LRS_SECRET_KEY``, ``LRS_OIDC_CLIENT_SECRET``), or a
  plugin variable whose name contains one of :data:`SECRET_WORDS`
  (``LRS_PLUGIN_AUDIT_PRIVATE_KEY``, ``LRS_PLUGIN_LMS_API_TOKEN``). Setting
  names are not matched by words, because ``LRS_RATE_LIMIT_TOKEN`` and
  ``LRS_OAUTH_TOKEN_TTL_SECONDS`` hold no secret;
* a part of a value, whatever the name: a password in a URL
  (``redis://:hunter2@host``), ``Basic``/``Bearer`` credentials and
  ``secret=...`` pairs (:func:`redact`).

A masked value may carry a fingerprint (:func:`fingerprint`): an HMAC of the
value under a random per-store salt, so that a change shows without the value,
and without letting anyone who sees fingerprints test guesses of a weak
password against them unless they also hold the salt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import fields

from lrs.settings import Settings

MASK = "***"

#: Words that make a plugin variable's name (or a ``name=value`` pair in text) secret.
SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "private_key")
_WORDS = "|".join(SECRET_WORDS)

#: ``LRS_*`` names of the settings declared secret (``repr=False``) in :class:`Settings`.
SECRET_SETTINGS = frozenset(f"LRS_{f.name.upper()}" for f in fields(Settings) if not f.repr)

_SECRET_NAME = re.compile(rf"(?:{_WORDS})", re.IGNORECASE)

_SECRET_PATTERNS = (
    # "Authorization: Basic abc", "Bearer abc", "Basic abc" in any text; a SCIM client's
    # "Bearer key:secret" too.
    (re.compile(r"\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=:-]+", re.IGNORECASE), rf"\1 {MASK}"),
    # scheme://user:password@host
    (re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)[^@\s]+@"), rf"\1{MASK}@"),
    # password=..., secret: ..., "secret_key": "...", token=...
    (
        re.compile(
            rf"""(["']?\b[\w-]*(?:{_WORDS})[\w-]*["']?\s*[=:]\s*)(["']?)[^\s"',&}}]+""",
            re.IGNORECASE,
        ),
        rf"\1\2{MASK}",
    ),
)

#: Text without any of these cannot match a pattern above: most log lines (an access
#: line costs a third of the patterns' time to screen) are returned as they are.
_MIGHT_HOLD_SECRET = re.compile(rf"basic|bearer|://|{_WORDS}", re.IGNORECASE)

#: Hex digits of a fingerprint: enough to tell values apart, too few to matter more.
FINGERPRINT_LENGTH = 12


def redact(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``***``."""
    if not _MIGHT_HOLD_SECRET.search(text):
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_secret(variable: str) -> bool:
    """Whether the whole value of environment variable ``variable`` is a secret."""
    if variable in SECRET_SETTINGS:
        return True
    return variable.startswith("LRS_PLUGIN_") and bool(_SECRET_NAME.search(variable))


def fingerprint(salt: str, value: str) -> str:
    """A short HMAC-SHA256 of ``value`` keyed with ``salt``: equal values, equal prints."""
    digest = hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def mask(variable: str, value: object, salt: str | None = None) -> object:
    """``value`` of ``variable`` as it may be shown, logged or recorded.

    A secret becomes ``"*** (set, fingerprint 1a2b3c4d5e6f)"`` (``"*** (set)"``
    without a ``salt``; ``""`` when empty). Any other string is :func:`redact`-ed,
    with the fingerprint of the original appended when something was masked, so
    that a new database password is still seen to change. Numbers and booleans
    pass unchanged.
    """
    if not isinstance(value, str):
        return value
    if is_secret(variable):
        if not value:
            return ""
        return f"{MASK} (set, fingerprint {fingerprint(salt, value)})" if salt else f"{MASK} (set)"
    shown = redact(value)
    if shown == value or not salt:
        return shown
    return f"{shown} (fingerprint {fingerprint(salt, value)})"
