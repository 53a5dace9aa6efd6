"""HTTP calls to remote systems for plugins and connectors, with failures worded for
administrators (docs/plugins.md, "Calling remote systems").

A connector's exception text is what the run history shows (with the instance's
secrets masked). ``requests`` words its failures for programmers
(``HTTPConnectionPool(host=..., port=...): Read timed out``); these say what was
asked, of whom, and what went wrong, so that the fix is plain. And ``requests``
alone bounds no call as a whole, no answer's size, and follows a redirect to any
site: every call here does (:func:`request`). It is part of the plugin API so that
the built-in connectors, the attendance plugin's pulls and third-party connectors
hold remote systems to one set of rules.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.client import BadStatusLine, HTTPException, RemoteDisconnected
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from lrs.plugin._deadline import Deadline, TrackedAdapter

#: The largest answer a connector reads, decompressed: far above any report or page a
#: remote system documents, far below what would exhaust the worker's memory.
MAX_ANSWER_BYTES = 256 * 1024 * 1024
#: What is read of an answer whose body the caller does not use (a webhook's): more
#: than the start a failure quotes, far less than an endless body would cost.
UNUSED_BODY_BYTES = 64 * 1024


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
    max_bytes: int = MAX_ANSWER_BYTES,
    body_unused: bool = False,
    **kwargs: Any,
) -> requests.Response:
    """Like :func:`call`, but the response whatever its status: for a connector that
    reads meaning into some (an LRS's ``409``).

    ``timeout`` bounds the whole call, connecting, the answer's headers and its body
    (read here, at most ``max_bytes`` of it, decompressed), not each wait for the
    network: a server that sends a byte now and then would otherwise hold the run
    for good. A redirect to another site is refused rather than followed: the
    connector's credentials (``Authorization``, but also an API key header) go only
    where it is configured to send them.

    :param body_unused: the caller reads nothing of the body but the start a
        :func:`failure` quotes: at most :data:`UNUSED_BODY_BYTES` of it are read
        (``content`` holds them), the rest is left unread and the connection
        closed, so that an endpoint answering ``200`` with a body without end costs
        64 KiB, not ``max_bytes``.
    :raises RemoteError: timeout, connection failure, a response cut short or too
        large, a redirect to another site.
    """
    # A call of its own honours the environment's proxy, as HRIS and Moodle pulls
    # always did; :class:`Sessions` (outgoing deliveries) never has.
    http = session if session is not None else new_session(trust_env=True)
    try:
        with Deadline(timeout) as deadline:
            response = None
            try:
                response = http.request(method, url, timeout=timeout, stream=True, **kwargs)
                if body_unused:
                    _read_start(response)
                else:
                    _read_body(response, max_bytes, what)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
                if not deadline.expired:
                    raise
            if deadline.expired:  # an answer without a length looks whole when cut
                raise RemoteError(
                    f"{what}: no answer from {site(url)} within {timeout:g} s"
                    if response is None else
                    f"{what}: {site(url)} did not send its whole answer within {timeout:g} s")
    except _CrossSiteRedirect as exc:
        raise RemoteError(f"{what}: {exc}") from None
    except requests.Timeout:
        raise RemoteError(f"{what}: no answer from {site(url)} within {timeout:g} s") from None
    except requests.exceptions.ChunkedEncodingError:
        raise RemoteError(
            f"{what}: {site(url)} closed the connection before sending the whole answer"
        ) from None
    except requests.TooManyRedirects as exc:
        raise RemoteError(_redirect_loop(exc, what, url, http.max_redirects)) from None
    except requests.RequestException as exc:
        raise RemoteError(_unreachable(exc, what, url)) from None
    finally:
        if session is None:
            http.close()
    return response


def _redirect_loop(exc: requests.TooManyRedirects, what: str, url: str, most: int) -> str:
    """The error for a chain of redirects longer than ``requests`` follows: a loop,
    mostly (a sign-in page sending back to itself), named by where it last led."""
    last = exc.response
    target = last.headers.get("Location") if last is not None else None
    return (f"{what}: {site(url)} redirected more than {most} times"
            + (f" (last to {site(urljoin(last.url, target))})" if target else "")
            + ": a redirect loop? Set the URL to where the redirects should end")


def _unreachable(exc: requests.RequestException, what: str, url: str) -> str:
    """The error for a call that got no HTTP answer: said as what happened where the
    cause tells (the type name alone read "cannot reach" for a server that answered)."""
    for cause in _causes(exc):
        if isinstance(cause, RemoteDisconnected):  # before BadStatusLine, its base
            return f"{what}: {site(url)} closed the connection without answering"
        if isinstance(cause, BadStatusLine):
            return (f"{what}: {site(url)} answered with something that is not HTTP "
                    f"(it began {quoted(repr(str(cause)), 80)}): are the URL's scheme "
                    "(http or https) and port those of its web server?")
        if isinstance(cause, HTTPException):
            return (f"{what}: {site(url)} answered with an HTTP head that cannot be read "
                    f"({quoted(str(cause), 100)})")
    return f"{what}: cannot reach {site(url)} ({type(exc).__name__})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: ``requests`` and ``urllib3`` keep the cause in
    ``args`` (``ProtocolError('Connection aborted.', BadStatusLine(...))``), in
    ``reason`` or as the exception's cause."""
    todo, seen = [exc], set()
    while todo:
        cause = todo.pop(0)
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        todo += [item for item in (*cause.args, getattr(cause, "reason", None),
                                   cause.__cause__, cause.__context__)
                 if isinstance(item, BaseException)]


def _read_body(response: requests.Response, max_bytes: int, what: str) -> None:
    """Read the answer's body into ``response`` (as ``requests`` does without ``stream``),
    refusing it past ``max_bytes`` as decompressed: a few KB of gzip can inflate to
    gigabytes, and an answer that never ends would fill the memory."""
    parts, size = [], 0
    for part in response.iter_content(64 * 1024):
        size += len(part)
        if size > max_bytes:
            response.close()
            raise RemoteError(f"{what}: {site(response.url)} sent an answer larger than "
                              f"{max_bytes} bytes")
        parts.append(part)
    response._content = b"".join(parts)  # what Response.content holds once read
    response.close()


def _read_start(response: requests.Response) -> None:
    """Read at most :data:`UNUSED_BODY_BYTES` of the body into ``response``, then close
    it: the connection goes, not back to the pool with the rest of the body unread."""
    parts, size = [], 0
    for part in response.iter_content(UNUSED_BODY_BYTES):
        parts.append(part[: UNUSED_BODY_BYTES - size])
        size += len(part)
        if size >= UNUSED_BODY_BYTES:
            break
    response._content = b"".join(parts)  # what Response.content holds once read
    response.close()


class _CrossSiteRedirect(Exception):
    """A redirect :class:`_Session` refused to follow."""


class _Session(requests.Session):
    """A session whose calls :func:`request` can time as a whole, and which follows a
    redirect only within the site it was sent to."""

    def __init__(self, *, trust_env: bool) -> None:
        super().__init__()
        self.trust_env = trust_env
        self.mount("http://", TrackedAdapter())
        self.mount("https://", TrackedAdapter())

    def get_redirect_target(self, response: Any) -> str | None:
        target = super().get_redirect_target(response)
        if target is not None and not response._content_consumed:
            # requests reads a redirect's body whole before following it, beyond any
            # limit: it is never used, and may never end.
            response.close()
            response._content, response._content_consumed = b"", True
        return target

    def rebuild_auth(self, prepared_request: Any, response: Any) -> None:
        if self.should_strip_auth(response.request.url, prepared_request.url):
            raise _CrossSiteRedirect(
                f"{site(response.request.url)} redirected to another site "
                f"({site(prepared_request.url)}); a connector sends its credentials only "
                "where it is configured to: set its URL to where the redirect leads if "
                "that site is trusted")
        super().rebuild_auth(prepared_request, response)


def new_session(*, trust_env: bool = False) -> requests.Session:
    """A session for :func:`request`; ``trust_env`` takes proxies (``HTTPS_PROXY``,
    ``NO_PROXY``) and netrc credentials from the environment, as ``requests`` does."""
    return _Session(trust_env=trust_env)


def failure(response: requests.Response, what: str) -> RemoteError:
    """The error for an answer that is not a success: its status, the ``Retry-After``
    it asks for, the start of its body."""
    retry_after = response.headers.get("Retry-After")
    body = quoted(" ".join(response.text.split()))
    return RemoteError(
        f"{what}: {site(response.url)} answered HTTP {response.status_code}"
        + (f" (Retry-After: {quoted(retry_after, 40)})" if retry_after else "")
        + (f": {body}" if body else "")
    )


def json_answer(response: requests.Response, what: str) -> Any:
    """The answer's body decoded as JSON (UTF-8, -16 or -32, as RFC 8259 allows).

    A body that is not JSON, or is but cannot be read (nested deeper than the
    interpreter's recursion limit, a number of more than 4,300 digits, ``NaN``), is the
    remote system's failure to answer as documented, so a :class:`RemoteError`
    naming the call, never a ``RecursionError`` or ``ValueError`` from deep inside
    a connector.

    :raises RemoteError: the body is not JSON that can be read.
    """
    try:
        return json.loads(response.content, parse_constant=_not_json)
    except RecursionError:
        reason = "nested too deep to read"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        reason = quoted(str(exc), 100)
    raise RemoteError(f"{what}: the answer of {site(response.url)} is not valid JSON ({reason})")


def _not_json(constant: str) -> Any:
    """``NaN`` and ``Infinity``, which Python's ``json`` reads but JSON has not."""
    raise ValueError(f"{constant} is not a JSON number")


def quoted(text: str, limit: int = 200) -> str:
    """``text`` that a remote system sent, as a message may show it: each character
    that is not printable (a control character, NUL, a lone surrogate, a
    bidirectional override) escaped as Python writes it (``\\x1b``, ``\\u202e``),
    and the whole cut to ``limit`` characters, ending with ``…`` when cut.

    A run's error and messages are read in a terminal (``lrs connectors runs``), on
    a web page and in logs: an escape sequence or a line break a remote system
    chose must not act there or pass for a line of Weft's own, and its megabytes
    must not fill them. Every connector quotes remote text through this.
    """
    shown: list[str] = []
    size = 0
    for char in text:
        part = char if char.isprintable() else repr(char)[1:-1]
        if size + len(part) > limit:
            while shown and size + 1 > limit:
                size -= len(shown.pop())
            shown.append("…")
            break
        shown.append(part)
        size += len(part)
    return "".join(shown)


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
            http = self._local.session = new_session(trust_env=False)
            http.headers.update(self._headers)
            with self._lock:
                self._all.append(http)
        return http

    def close(self) -> None:
        with self._lock:
            for http in self._all:
                http.close()
            self._all.clear()


def site(url: str) -> str:
    """A URL as messages show it: without its query (which may carry a key), quoted
    (a redirect's target is the remote system's text)."""
    return quoted(url.split("?", 1)[0], 500)
