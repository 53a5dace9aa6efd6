"""Calls to Zoom's and Microsoft Graph's REST APIs: OAuth 2.0 client credentials,
JSON answers, rate limits, failures worded for administrators.

Each call goes through :func:`lrs.plugin.remote.request`, under the rules every
connector's calls follow (docs/connectors.md): ``timeout`` bounds the whole call
(a platform sending a byte now and then fails the run, not holds it), an answer is
read to at most :data:`MAX_ANSWER_BYTES`, a redirect to another site is refused
(the token or client secret goes only where configured), and the platform's text
in an error is quoted (control characters escaped, cut short).

A token is fetched from the platform's token endpoint and kept (for this worker
process) until shortly before it expires, so that a run every few minutes does not
ask for a new one each time; an API answering 401 gets one fresh token, once.
A 429 answer is waited out within the run when its ``Retry-After`` is short (at most
``max_wait`` seconds), a few times; a longer one fails the run, so that the
connectors runtime backs off instead of holding a worker. Timeouts, 5xx answers and
answers that are not JSON fail the run with a
:class:`~lrs.plugin.remote.RemoteError` (the exception's text is the run's error).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lrs.plugin.remote import RemoteError, call, failure, json_answer, quoted, request

#: The largest answer read from a platform, decompressed: a page of 300 Zoom
#: participants or of Graph attendance records is well under a megabyte, so this
#: leaves room enough while an answer without end fails the run long before the
#: 256 MiB every connector's call is allowed (:data:`lrs.plugin.remote.MAX_ANSWER_BYTES`).
MAX_ANSWER_BYTES = 32 * 1024 * 1024
#: How many 429 answers in a row one call waits out before failing the run.
RATE_LIMIT_RETRIES = 3
#: A token is renewed this long before the platform says it expires.
TOKEN_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class TokenRequest:
    """How to ask a token endpoint for an access token (form fields, Basic auth)."""

    url: str
    data: dict[str, str]
    #: ``(client_id, client_secret)`` as HTTP Basic authentication (Zoom's way).
    basic: tuple[str, str] | None = None


_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _cache_key(token: TokenRequest) -> tuple[str, str]:
    """The token endpoint and every credential: a changed secret asks again."""
    return token.url, repr((sorted(token.data.items()), token.basic))


class Api:
    """One platform's API with one set of client credentials."""

    def __init__(
        self,
        platform: str,
        token: TokenRequest,
        *,
        timeout: float,
        max_wait: float,
    ) -> None:
        self.platform = platform
        self._token = token
        self._timeout = timeout
        self._max_wait = max_wait

    def get(self, url: str, params: dict[str, Any] | None = None, *, what: str) -> Any:
        """The decoded JSON answer of ``GET url``.

        :raises RemoteError: see the module docstring.
        """
        renewed = False
        waited = 0
        while True:
            response = request(
                "GET",
                url,
                what=what,
                timeout=self._timeout,
                max_bytes=MAX_ANSWER_BYTES,
                params=params,
                headers={"Authorization": f"Bearer {self._access_token()}"},
            )
            if response.status_code == 401 and not renewed:
                self._forget_token()
                renewed = True
                continue
            if response.status_code == 429:
                wait = retry_after(response.headers)
                if wait is None or wait > self._max_wait or waited >= RATE_LIMIT_RETRIES:
                    raise RemoteError(
                        f"{what}: {self.platform} rate limit reached (HTTP 429"
                        + (f", retry after {wait:g} s" if wait is not None else "")
                        + f"{_limit_type(response.headers)}); the run is retried later"
                    )
                waited += 1
                time.sleep(wait)
                continue
            if not 200 <= response.status_code < 300:
                raise failure(response, what)
            return json_answer(response, what)

    def _access_token(self) -> str:
        key = _cache_key(self._token)
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        what = f"{self.platform} token"
        response = call(
            "POST",
            self._token.url,
            what=what,
            timeout=self._timeout,
            max_bytes=MAX_ANSWER_BYTES,
            data=self._token.data,
            auth=self._token.basic,
        )
        answer = json_answer(response, what)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise RemoteError(f"{what}: the answer has no access_token")
        seconds = _lifetime(answer.get("expires_in"))
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + max(seconds - TOKEN_MARGIN_SECONDS, 0))
        return token

    def _forget_token(self) -> None:
        with _tokens_lock:
            _tokens.pop(_cache_key(self._token), None)


def _lifetime(expires_in: Any) -> float:
    """A token's lifetime in seconds by ``expires_in``: an hour when it says none that
    can be used (not a number, not finite, past what a float holds), so that a token
    is never kept for good."""
    try:
        seconds = float(expires_in) if isinstance(expires_in, int | float) else math.nan
    except OverflowError:  # a whole number of more than 308 digits
        seconds = math.nan
    return seconds if math.isfinite(seconds) else 3600.0


def retry_after(headers: Any, now: datetime | None = None) -> float | None:
    """Seconds to wait by ``Retry-After``: a number of seconds, an HTTP date, or (Zoom's
    daily limit) an ISO 8601 time; ``None`` when absent or unreadable."""
    value = str(headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.replace(".", "", 1).isdigit():
        return float(value)
    when: datetime | None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _limit_type(headers: Any) -> str:
    """Zoom's ``X-RateLimit-Type`` (``QPS``, ``Daily-limit``...), when it says."""
    kind = headers.get("X-RateLimit-Type")
    return f", {quoted(kind, 40)}" if kind else ""
