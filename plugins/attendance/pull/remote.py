"""Calls to Zoom's and Microsoft Graph's REST APIs: OAuth 2.0 client credentials,
JSON answers, rate limits, failures worded for administrators.

A token is fetched from the platform's token endpoint and kept (for this worker
process) until shortly before it expires, so that a run every few minutes does not
ask for a new one each time; an API answering 401 gets one fresh token, once.
A 429 answer is waited out within the run when its ``Retry-After`` is short (at most
``max_wait`` seconds), a few times; a longer one fails the run, so that the
connectors runtime backs off instead of holding a worker. Timeouts, 5xx answers and
answers that are not JSON fail the run (the exception's text is the run's error).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

#: How many 429 answers in a row one call waits out before failing the run.
RATE_LIMIT_RETRIES = 3
#: A token is renewed this long before the platform says it expires.
TOKEN_MARGIN_SECONDS = 60


class RemoteError(Exception):
    """The platform could not be reached or did not answer as documented."""


@dataclass(frozen=True)
class TokenRequest:
    """How to ask a token endpoint for an access token (form fields, Basic auth)."""

    url: str
    data: dict[str, str]
    #: ``(client_id, client_secret)`` as HTTP Basic authentication (Zoom's way).
    basic: tuple[str, str] | None = None


_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _cache_key(request: TokenRequest) -> tuple[str, str]:
    """The token endpoint and every credential: a changed secret asks again."""
    return request.url, repr((sorted(request.data.items()), request.basic))


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
            response = self._send(
                "GET",
                url,
                what=what,
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
            return _json(_checked(response, what, url), what)

    def _access_token(self) -> str:
        key = _cache_key(self._token)
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        what = f"{self.platform} token"
        response = _checked(
            self._send(
                "POST", self._token.url, what=what, data=self._token.data, auth=self._token.basic
            ),
            what,
            self._token.url,
        )
        answer = _json(response, what)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise RemoteError(f"{what}: the answer has no access_token")
        lifetime = answer.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + max(seconds - TOKEN_MARGIN_SECONDS, 0))
        return token

    def _forget_token(self) -> None:
        with _tokens_lock:
            _tokens.pop(_cache_key(self._token), None)

    def _send(self, method: str, url: str, *, what: str, **kwargs: Any) -> requests.Response:
        try:
            return requests.request(method, url, timeout=self._timeout, **kwargs)
        except requests.Timeout:
            raise RemoteError(
                f"{what}: no answer from {_site(url)} within {self._timeout:g} s"
            ) from None
        except requests.exceptions.ChunkedEncodingError:
            raise RemoteError(
                f"{what}: {_site(url)} closed the connection before sending the whole answer"
            ) from None
        except requests.RequestException as exc:
            raise RemoteError(f"{what}: cannot reach {_site(url)} ({type(exc).__name__})") from None


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
    return f", {kind}" if kind else ""


def _checked(response: requests.Response, what: str, url: str) -> requests.Response:
    if not 200 <= response.status_code < 300:
        body = " ".join(response.text.split())[:200]
        raise RemoteError(
            f"{what}: {_site(url)} answered HTTP {response.status_code}"
            + (f": {body}" if body else "")
        )
    return response


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise RemoteError(f"{what}: the answer is not valid JSON ({exc})") from None


def _site(url: str) -> str:
    """The URL without its query (which may carry a token)."""
    return url.split("?", 1)[0]
