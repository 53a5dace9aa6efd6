"""HTTP calls of the built-in connectors, with failures worded for administrators.

A connector's exception text is what the run history shows (with the instance's
secrets masked). ``requests`` words its failures for programmers
(``HTTPConnectionPool(host=..., port=...): Read timed out``); these say what was
asked, of whom, and what went wrong, so that the fix is plain.
"""

from __future__ import annotations

import threading
from typing import Any

import requests


class RemoteError(Exception):
    """A remote system could not be reached or did not answer as documented."""


def call(
    method: str,
    url: str,
    *,
    what: str,
    timeout: float,
    session: requests.Session | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``method url`` with ``requests``; the response when its status is 2xx.

    :param what: what is asked, for messages (``"the HRIS report"``).
    :param session: a keep-alive session to send it with (:class:`Sessions`).
    :raises RemoteError: timeout, connection failure, a response cut short, a
        status other than 2xx (with the start of its body).
    """
    response = request(method, url, what=what, timeout=timeout, session=session, **kwargs)
    if not 200 <= response.status_code < 300:
        raise failure(response, what)
    return response


def request(
    method: str,
    url: str,
    *,
    what: str,
    timeout: float,
    session: requests.Session | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Like :func:`call`, but the response whatever its status: for a connector that
    reads meaning into some (an LRS's ``409``).

    :raises RemoteError: timeout, connection failure, a response cut short.
    """
    send = requests.request if session is None else session.request
    try:
        return send(method, url, timeout=timeout, **kwargs)
    except requests.Timeout:
        raise RemoteError(f"{what}: no answer from {_site(url)} within {timeout:g} s") from None
    except requests.exceptions.ChunkedEncodingError:
        raise RemoteError(
            f"{what}: {_site(url)} closed the connection before sending the whole answer"
        ) from None
    except requests.RequestException as exc:
        raise RemoteError(f"{what}: cannot reach {_site(url)} ({type(exc).__name__})") from None


def failure(response: requests.Response, what: str) -> RemoteError:
    """The error for an answer that is not a success: its status, the ``Retry-After``
    it asks for, the start of its body."""
    retry_after = response.headers.get("Retry-After")
    body = " ".join(response.text.split())[:200]
    return RemoteError(
        f"{what}: {_site(response.url)} answered HTTP {response.status_code}"
        + (f" (Retry-After: {retry_after[:40]})" if retry_after else "")
        + (f": {body}" if body else "")
    )


class Sessions:
    """A keep-alive HTTP session per sending thread (``requests.Session`` is not
    thread-safe), each ignoring the environment's proxy and netrc settings: a
    connector sends where its configuration says, with the credentials it gives."""

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


def _site(url: str) -> str:
    """The URL without its query (which may carry a key)."""
    return url.split("?", 1)[0]
