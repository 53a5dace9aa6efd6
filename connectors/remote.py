"""HTTP calls of the built-in connectors, with failures worded for administrators.

A connector's exception text is what the run history shows (with the instance's
secrets masked). ``requests`` words its failures for programmers
(``HTTPConnectionPool(host=..., port=...): Read timed out``); these say what was
asked, of whom, and what went wrong, so that the fix is plain.
"""

from __future__ import annotations

from typing import Any

import requests


class RemoteError(Exception):
    """A remote system could not be reached or did not answer as documented."""


def call(method: str, url: str, *, what: str, timeout: float, **kwargs: Any) -> requests.Response:
    """``method url`` with ``requests``; the response when its status is 2xx.

    :param what: what is asked, for messages (``"the HRIS report"``).
    :raises RemoteError: timeout, connection failure, a response cut short, a
        status other than 2xx (with the start of its body).
    """
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout:
        raise RemoteError(f"{what}: no answer from {_site(url)} within {timeout:g} s") from None
    except requests.exceptions.ChunkedEncodingError:
        raise RemoteError(
            f"{what}: {_site(url)} closed the connection before sending the whole answer"
        ) from None
    except requests.RequestException as exc:
        raise RemoteError(f"{what}: cannot reach {_site(url)} ({type(exc).__name__})") from None
    if not 200 <= response.status_code < 300:
        body = " ".join(response.text.split())[:200]
        raise RemoteError(
            f"{what}: {_site(url)} answered HTTP {response.status_code}"
            + (f": {body}" if body else "")
        )
    return response


def _site(url: str) -> str:
    """The URL without its query (which may carry a key)."""
    return url.split("?", 1)[0]
