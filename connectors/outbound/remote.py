"""Talking to the remote system over HTTP: one session, clear errors, nothing secret in them.

A failure here raises :class:`RemoteError`, which fails the run: the runtime
retries it with backoff and jitter and pauses the instance after
``LRS_CONNECTOR_MAX_FAILURES`` failures in a row. Its text is what
administrators read in ``lrs connectors runs``, so it says what answered what.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

#: Characters of a remote answer quoted in an error.
EXCERPT = 200


class RemoteError(Exception):
    """The remote system is unreachable, slow, or answered with an error."""


class Sessions:
    """A keep-alive HTTP session per sending thread (``requests.Session`` is not
    thread-safe), each ignoring the environment's proxy and netrc settings: a
    worker sends where the configuration says, with the credentials it gives."""

    def __init__(self, user_agent: str, headers: dict[str, str] | None = None) -> None:
        self._headers = {"User-Agent": user_agent, **(headers or {})}
        self._local = threading.local()
        self._all: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        http = getattr(self._local, "session", None)
        if http is None:
            http = self._local.session = requests.Session()
            http.trust_env = False
            http.headers.update(self._headers)
            with self._lock:
                self._all.append(http)
        return http

    def close(self) -> None:
        with self._lock:
            for http in self._all:
                http.close()
            self._all.clear()


def send(
    http: requests.Session, method: str, url: str, *, timeout: float, **options: Any
) -> requests.Response:
    """One request; a timeout or a connection failure is a :class:`RemoteError`."""
    try:
        return http.request(method, url, timeout=timeout, allow_redirects=False, **options)
    except requests.Timeout:
        raise RemoteError(f"{method} {url}: no answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise RemoteError(f"{method} {url}: {type(exc).__name__}: cannot connect") from None


def failure(response: requests.Response) -> RemoteError:
    """The error for an answer that is not a success, quoting it briefly."""
    request = response.request
    text = f"{request.method} {response.url} answered {response.status_code}"
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        text += f" (Retry-After: {retry_after[:40]})"
    body = response.text.strip()
    if body:
        text += f": {body[:EXCERPT]}"
    return RemoteError(text)
