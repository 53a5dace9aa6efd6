"""Rate limits per credential, per client address, and on failed authentications.

The ``limits`` library counts; this module decides who is counted:

* a request with Basic credentials counts against their key, one with a Bearer
  token against the token's OAuth client (its ``sub``): both are read from the
  ``Authorization`` header alone, so limiting costs no database round trip and
  refuses a flood before it reaches the database;
* a request without credentials counts against the client address;
* the header is not verified yet when the limit is checked, so a request is
  deducted from the key it names only once it was authenticated as that key:
  nobody can use up another client's allowance by sending its key;
* a **failed authentication** (a wrong secret or forged token: ``401``; a token
  or revocation request whose client did not authenticate; a wrong local admin
  password) counts against the pair *(name claimed, sender's address)*
  (``LRS_RATE_LIMIT_FAILURES``) and against the sender's address whatever the
  name (``LRS_RATE_LIMIT_FAILURES_ADDRESS``, higher). A request naming a key,
  client or local admin is refused while either counter is spent. So a guesser
  at one address is stopped at once, but the real client at another address
  keeps working while its name is under attack: nothing counts failures per name
  alone, because such a counter is exactly what lets strangers lock a client
  out. Spreading guesses over many addresses gains nothing either: secrets are
  256 random bits and each address gets its own small budget. The per-address
  ceiling is higher because several honest clients may share an address (a NAT);
  only a valid key sent from an address that is itself guessing is refused;
* requests naming a key that is never checked (an open endpoint such as
  ``/xapi/about``) count against the sender's address (``LRS_RATE_LIMIT``);
* ``POST /oauth/token`` and ``/oauth/revoke`` have a tight limit of their own per
  ``(client_id, address)`` (per address when none is named).

The address is ``REMOTE_ADDR``, the peer: behind reverse proxies it is the
proxy's, unless ``LRS_TRUSTED_PROXIES`` lets :func:`lrs.http.source.trust_proxies` take it from
``X-Forwarded-For``.

A refused request gets ``429`` with ``Retry-After`` (seconds) and the usual JSON
error body. Counters live in ``LRS_RATE_LIMIT_STORAGE_URI``: ``memory://`` counts
in each process (each gunicorn worker separately), ``redis://`` shares them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, render_template, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from lrs.auth.protector import basic_credentials
from lrs.http.errors import xapi_error_response
from lrs.masking import redact
from lrs.settings import Settings, SettingsError
from lrs.xapi.errors import TooManyRequests

#: Endpoints that exchange or revoke client secrets (brute-force targets).
TOKEN_ENDPOINTS = frozenset({"oauth.token", "oauth.revoke"})
#: Password sign-in of local admins (a brute-force target).
LOCAL_SIGN_IN_ENDPOINT = "web.local_sign_in"
#: Longest name claimed that is counted as given (longer ones are cut).
_MAX_NAME = 320


@dataclass(frozen=True)
class _Party:
    """Who a request claims to be, unverified, read once before it is handled: every
    limit asks, before and after the request, and each read of ``request`` or ``g``
    goes through a context-local proxy (the limits were a tenth of a state GET's CPU
    when each read them for itself)."""

    #: ``address:<ip>``, the sender.
    address: str
    #: The credential key or OAuth client the ``Authorization`` header names.
    key: str | None
    #: ``key:<key or client_id>`` or ``local:<e-mail>``: whom a failure counts against.
    name: str | None
    endpoint: str | None

    @classmethod
    def of_request(cls) -> _Party:
        key = claimed_key(request.headers.get("Authorization", ""))
        endpoint = request.endpoint
        return cls(f"address:{request.remote_addr or 'unknown'}", key,
                   _claimed_name(key, endpoint), endpoint)


@dataclass(frozen=True)
class _Limit:
    """One counted limit: its rate, whose counter it uses, and when a request counts."""

    item: RateLimitItem
    scope: str
    key: Callable[[_Party], str]
    #: The request is not counted here at all.
    exempt: Callable[[_Party], bool] = lambda party: False
    #: Counted after the response when this says so (before the request: checked
    #: only); ``None`` counts the request as it arrives.
    deduct_when: Callable[[_Party, Response], bool] | None = None
    #: What a refusal says (the failure limits say what they count).
    message: str | None = None


class RateLimits:
    """The limits of one application, checked before each request and counted after.

    ``limits`` (the library under Flask-Limiter) counts; Flask-Limiter's own
    machinery (per-route and per-blueprint limits and exemptions, which Weft does
    not use) cost a third of a millisecond per request, as much as authenticating.
    """

    def __init__(self, limits: list[_Limit], storage: Storage) -> None:
        # Checked in the order Flask-Limiter used: shorter windows first.
        self._limits = sorted(limits, key=lambda limit: limit.item)
        self._counter = FixedWindowRateLimiter(storage)

    def check(self) -> None:
        """Before a request: refuse it (429) if a limit it counts against is spent."""
        party = _Party.of_request()
        deferred: list[tuple[_Limit, str]] = []
        g.rate_limits_deferred = party, deferred
        for limit in self._limits:
            if limit.exempt(party):
                continue
            key = limit.key(party)
            if limit.deduct_when is not None:
                deferred.append((limit, key))
                allowed = self._counter.test(limit.item, limit.scope, key)
            else:
                allowed = self._counter.hit(limit.item, limit.scope, key)
            if not allowed:
                raise _Breached(limit, self._counter.get_window_stats(
                    limit.item, limit.scope, key).reset_time)

    def count(self, response: Response) -> Response:
        """After a request: count it against the limits that count by its outcome."""
        checked = g.pop("rate_limits_deferred", None)
        if checked is None:  # refused before the check (another before_request hook)
            return response
        party, deferred = checked
        for limit, key in deferred:
            assert limit.deduct_when is not None
            if limit.deduct_when(party, response):
                self._counter.hit(limit.item, limit.scope, key)
        return response


class _Breached(Exception):
    def __init__(self, limit: _Limit, reset_time: float) -> None:
        super().__init__(str(limit.item))
        self.limit = limit
        self.reset_time = reset_time


def init_rate_limits(app: Flask, settings: Settings) -> RateLimits | None:
    """Limit ``app``'s requests as ``settings`` say; ``None`` when every limit is off.

    :raises SettingsError: the storage URI names an unknown or unavailable backend.
    """
    limits: list[_Limit] = []

    def add(rate: str, scope: str, key: Callable[[_Party], str], **when: Any) -> None:
        limits.extend(_Limit(item, scope, key, **when) for item in parse_many(rate))

    if _enabled(settings.rate_limit):
        add(settings.rate_limit, "requests", _caller, deduct_when=_charged_to_caller)
        add(settings.rate_limit, "unproven", _address, exempt=_no_claimed_key,
            deduct_when=_unproven)
    if _enabled(settings.rate_limit_failures):
        add(settings.rate_limit_failures, "failures", _name_at_address, exempt=_nothing_named,
            deduct_when=_failed,
            message=f"too many failed authentications ({settings.rate_limit_failures}) "
                    "naming this key, client or admin from this address")
    if _enabled(settings.rate_limit_failures_address):
        add(settings.rate_limit_failures_address, "failures-address", _address,
            exempt=_nothing_named, deduct_when=_failed,
            message=f"too many failed authentications "
                    f"({settings.rate_limit_failures_address}) from this address")
    if _enabled(settings.rate_limit_token):
        add(settings.rate_limit_token, "oauth-token", _token_client, exempt=_not_token_endpoint)
    if not limits:
        return None
    storage_uri = settings.rate_limit_storage_uri
    if storage_uri.startswith("memory://"):
        storage_uri = "weft-memory://" + storage_uri.removeprefix("memory://")
    try:
        storage = storage_from_string(storage_uri)
    except ConfigurationError as exc:
        # The message may quote the URI: never its password.
        raise SettingsError(f"LRS_RATE_LIMIT_STORAGE_URI: {redact(str(exc))}") from None
    rate_limits = RateLimits(limits, storage)
    app.before_request(rate_limits.check)
    app.after_request(rate_limits.count)
    app.register_error_handler(_Breached, _too_many)
    return rate_limits


class SweptMemoryStorage(MemoryStorage):
    """What ``memory://`` means here: limits' memory storage without its expiry thread.

    limits' :class:`~limits.storage.MemoryStorage` starts a timer thread whenever
    a counter changes and the previous timer has run (at most every 10 ms), which
    under load costs a thread start on most requests, and two request threads
    can race to start the same timer (``RuntimeError``). Counters expire lazily
    anyway when read; here expired ones are also dropped inline, at most once a
    second, by whichever request gets there first.
    """

    STORAGE_SCHEME = ["weft-memory"]
    #: Seconds between two sweeps of expired counters.
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sweep_lock = threading.Lock()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the name-mangled hook
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_SECONDS
            wall = time.time()
            for key, expiry in list(self.expirations.items()):
                if expiry <= wall:
                    self.storage.pop(key, None)
                    self.expirations.pop(key, None)
                    self.locks.pop(key, None)
        finally:
            self._sweep_lock.release()


def _enabled(rate: str) -> bool:
    return rate.strip().lower() != "off"


def _too_many(breach: _Breached) -> tuple[Response, int, dict[str, str]]:
    """429 with ``Retry-After``: the seconds until the breached window resets."""
    wait = max(1, math.ceil(breach.reset_time - time.time()))
    if breach.limit.message:  # the failure limits say what they count
        message = f"{breach.limit.message}; retry in {wait} s"
    else:
        message = f"rate limit of {breach.limit.item} exceeded; retry in {wait} s"
    if request.blueprint == "web":  # a person at a browser (the password sign-in form)
        page = render_template("web/error.html", status=429, title="Too many attempts",
                               message=message[0].upper() + message[1:] + ".")
        return Response(page, mimetype="text/html"), 429, {"Retry-After": str(wait)}
    error = TooManyRequests(message, headers={"Retry-After": str(wait)})
    return xapi_error_response(error)


def _caller(party: _Party) -> str:
    """``key:<credential key>`` as the header claims it, else ``address:<ip>``."""
    return f"key:{party.key}" if party.key else party.address


def _address(party: _Party) -> str:
    return party.address


def claimed_key(header: str) -> str | None:
    """The key of Basic credentials or the ``sub`` (client_id) of a JWT Bearer token.

    Nothing is verified: the result only chooses which counter a request uses.
    """
    scheme, _, value = header.partition(" ")
    value = value.strip()
    try:
        if scheme.lower() == "basic":
            key = (basic_credentials(value) or (None, None))[0]
        elif scheme.lower() == "bearer" and ":" in value:  # a SCIM client's key:secret
            key = value.partition(":")[0]
        elif scheme.lower() == "bearer":
            payload = value.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            key = claims["sub"]
        else:
            return None
    except (binascii.Error, ValueError, IndexError, KeyError, TypeError, RecursionError):
        return None  # a payload nested past Python's limit is no token either
    return key if isinstance(key, str) and 0 < len(key) <= 64 else None


def _no_claimed_key(party: _Party) -> bool:
    return party.key is None


def _charged_to_caller(party: _Party, response: Response) -> bool:
    """The address always pays for itself; a key only for requests authenticated as it."""
    return party.key is None or _authenticated_as_principal(party)


def _authenticated_as_principal(party: _Party) -> bool:
    principal = g.get("principal")
    return principal is not None and principal.key == party.key


def _authenticated(party: _Party) -> bool:
    """Whether the request was authenticated as the key or client it names (the token
    endpoints authenticate a client, not an xAPI principal)."""
    client_id = g.get("authenticated_client_id")
    return _authenticated_as_principal(party) or (
        client_id is not None and party.name == f"key:{client_id}")


def _unproven(party: _Party, response: Response) -> bool:
    """A key named but not proven for the xAPI (open endpoints, token requests) is the
    sender's to pay for, unless it was a failure (counted as such)."""
    return not _authenticated_as_principal(party) and not _failed(party, response)


def _failed(party: _Party, response: Response) -> bool:
    """Whether the request named someone and failed to authenticate as them.

    At the token endpoints that is any answer without an authenticated client
    (Authlib answers a wrong ``client_secret_post`` secret with 400); elsewhere a
    ``401``. A ``429`` is the limiter's own answer, not a guess.
    """
    if party.name is None or response.status_code == 429 or _authenticated(party):
        return False
    return party.endpoint in TOKEN_ENDPOINTS or response.status_code == 401


def _claimed_name(key: str | None, endpoint: str | None) -> str | None:
    """``key:<key or client_id>`` or ``local:<e-mail>``, as the request claims."""
    if endpoint == LOCAL_SIGN_IN_ENDPOINT:
        email = request.form.get("email", "").strip().lower()
        return f"local:{email[:_MAX_NAME]}" if email else None
    if key is None and endpoint in TOKEN_ENDPOINTS:
        key = request.form.get("client_id") or None
    return f"key:{key[:_MAX_NAME]}" if key else None


def _nothing_named(party: _Party) -> bool:
    return party.name is None


def _name_at_address(party: _Party) -> str:
    return f"{party.name}@{party.address}"


def _not_token_endpoint(party: _Party) -> bool:
    return party.endpoint not in TOKEN_ENDPOINTS


def _token_client(party: _Party) -> str:
    """The ``client_id`` named (Basic or form field) at the sender's address, else the address."""
    return _name_at_address(party) if party.name else party.address
