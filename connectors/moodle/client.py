"""Moodle's web services over REST: ``/webservice/rest/server.php``, JSON answers.

Moodle reports a refused call with HTTP 200 and a body such as
``{"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid
token - token not found"}``: :meth:`MoodleClient.call` turns it into a
:class:`MoodleError` naming the function, so that a run fails with what Moodle said.
The token is sent in the POST body (Moodle reads parameters from the query or the
body alike), which keeps it out of URLs and the logs of proxies on the way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lrs.plugin.remote import RemoteError, call, quoted

#: Where Moodle's REST server answers, under the site's URL.
REST_PATH = "/webservice/rest/server.php"


class MoodleError(RemoteError):
    """Moodle refused a call (an exception body) or answered something not JSON."""

    def __init__(self, message: str, errorcode: str | None = None) -> None:
        super().__init__(message)
        self.errorcode = errorcode


class MoodleClient:
    """Calls web service functions of one Moodle site with one token."""

    def __init__(self, site: str, token: str, timeout: float) -> None:
        self.site = site.rstrip("/")
        self._token = token
        self._timeout = timeout

    def call(self, function: str, **params: Any) -> Any:
        """The decoded answer of ``function``; ``params`` may nest lists and dicts
        (sent as PHP arrays: ``options[0][name]=limitfrom``).

        :raises MoodleError: Moodle's exception body, or an answer that is not JSON.
        :raises RemoteError: timeout, connection failure, HTTP status other than 2xx.
        """
        form = {
            "wstoken": self._token,
            "wsfunction": function,
            "moodlewsrestformat": "json",
            **dict(_flatten(params)),
        }
        response = call(
            "POST",
            self.site + REST_PATH,
            what=f"Moodle {function}",
            data=form,
            timeout=self._timeout,
        )
        try:
            answer = json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            raise MoodleError(
                f"Moodle {function}: the answer is not valid JSON ({exc}); "
                "is the site URL right and the REST protocol enabled?"
            ) from None
        if isinstance(answer, Mapping) and "exception" in answer:
            code = answer.get("errorcode")
            said = answer.get("message") or code
            raise MoodleError(
                f"Moodle {function} refused: {quoted(str(said))}"
                f" ({quoted(str(answer['exception']), 100)}, errorcode {quoted(str(code), 100)})",
                code,
            )
        return answer


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """PHP-style form fields of nested parameters."""
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return [(prefix, str(int(value)) if isinstance(value, bool) else str(value))]
    return [
        pair
        for key, item in items
        for pair in _flatten(item, f"{prefix}[{key}]" if prefix else str(key))
    ]
