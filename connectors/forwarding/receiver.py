"""The receiving LRS, as the xAPI Communication spec describes it.

A batch goes in one ``POST statements`` with the stored JSON text as it is,
ids included, so a batch sent again (after a crash, a timeout) is a retry the
receiver recognises, not new statements: an LRS answers an equivalent statement
it already holds with success, or with ``409 Conflict`` for the whole batch.
On ``409`` (and ``400``, which also refuses the whole batch for one bad
statement) the batch is sent again one statement at a time with ``PUT
statements?statementId=``: ``204`` is stored or already there; a statement
still refused (``409``: the receiver holds a *different* statement under that
id; ``400``: invalid for it, such as a 2.0 statement sent to a 1.0.3 receiver)
is dropped from the queue with a message in the run's history, so that one
statement cannot block every later one. Anything else (``401``, ``404``,
``429``, ``5xx``, a timeout, a ``200`` whose body is not the list of ids)
fails the run, to be retried. Statements with attachments go with their
contents (:mod:`connectors.forwarding.attachments`).
"""

from __future__ import annotations

import base64
import math
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests

from connectors.forwarding.attachments import Fetch, request_body
from connectors.outbound.delivery import Outgoing, Sent, Undelivered
from lrs.plugin.remote import RemoteError, Sessions, call, failure, quoted, request, site

#: What errors call the receiver.
RECEIVER = "the receiving LRS"
#: Seconds before an OAuth2 token's announced expiry at which a new one is fetched.
TOKEN_MARGIN = 30
#: A token as a Bearer header carries it (RFC 6750 §2.1, ``b64token``): anything else
#: (a line break, a JSON object) could not be sent, or would say something else.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*", re.ASCII)


class Receiver:
    """One receiving LRS and the credentials to write to it."""

    def __init__(self, config: Mapping[str, Any], fetch: Fetch) -> None:
        self._config = config
        self._fetch = fetch
        self._statements = config["endpoint"].rstrip("/") + "/statements"
        self._timeout = float(config["timeout_seconds"])
        self._http = Sessions(
            "Weft-LRS forwarding", {"X-Experience-API-Version": config["version"]}
        )
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def send(self, statements: list[Outgoing]) -> Sent:
        """Deliver ``statements`` (see the module's docstring); raise if not delivered."""
        body, content_type = request_body([s.json for s in statements], self._fetch)
        response = self._request("POST", content_type, data=body)
        if response.status_code == 200:
            _check_ids(response)
            return Sent(len(statements))
        if response.status_code in (400, 409):
            return self._one_by_one(statements)
        raise failure(response, RECEIVER)

    def _one_by_one(self, statements: list[Outgoing]) -> Sent:
        done: list[str] = []
        sent, refused = 0, []
        for statement in statements:
            body, content_type = request_body([statement.json], self._fetch, one=True)
            try:
                response = self._request(
                    "PUT", content_type, data=body, params={"statementId": statement.id}
                )
            except RemoteError as exc:
                raise Undelivered(done, exc) from None
            if response.status_code in (200, 204):
                sent += 1
            elif response.status_code in (400, 409):
                refused.append(
                    f"receiver refused statement {statement.id} "
                    f"({response.status_code}): {_reason(response)}"
                )
            else:
                raise Undelivered(done, failure(response, RECEIVER))
            done.append(statement.id)
        return Sent(sent, len(refused), tuple(refused))

    def _request(self, method: str, content_type: str, **options: Any) -> requests.Response:
        headers = {"Content-Type": content_type, "Authorization": self._authorization()}
        options.update(
            what=RECEIVER,
            timeout=self._timeout,
            session=self._http.get(),
            headers=headers,
            allow_redirects=False,
        )
        response = request(method, self._statements, **options)
        if response.status_code == 401 and self._token is not None:
            self._token = None  # revoked or expired early: one fresh token, one retry
            headers["Authorization"] = self._authorization()
            response = request(method, self._statements, **options)
        return response

    def _authorization(self) -> str:
        if self._config["auth"] == "basic":
            pair = f"{self._config['username']}:{self._config['password']}"
            return "Basic " + base64.b64encode(pair.encode()).decode()
        with self._token_lock:
            if self._token is None or self._token[1] <= time.monotonic():
                self._token = self._fetch_token()
            return "Bearer " + self._token[0]

    def _fetch_token(self) -> tuple[str, float]:
        """An access token by the client credentials grant (RFC 6749 §4.4)."""
        form = {"grant_type": "client_credentials"}
        if self._config.get("scope"):
            form["scope"] = self._config["scope"]
        response = call(
            "POST",
            self._config["token_url"],
            what="the receiver's OAuth2 token endpoint",
            timeout=self._timeout,
            session=self._http.get(),
            data=form,
            allow_redirects=False,
            auth=(self._config["client_id"], self._config["client_secret"]),
        )
        try:
            answer = response.json()
            token, lifetime = answer["access_token"], float(answer.get("expires_in", 300))
            if not (isinstance(token, str) and _BEARER_TOKEN.fullmatch(token)
                    and math.isfinite(lifetime)):
                raise ValueError("not a bearer token and a lifetime")
        except (ValueError, RecursionError, KeyError, TypeError):
            raise RemoteError(
                f"the receiver's OAuth2 token endpoint: {site(response.url)} answered without "
                "a usable access_token (a bearer token, with a finite expires_in)"
            ) from None
        return token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 1)


def _check_ids(response: requests.Response) -> None:
    """A ``200`` counts only with the xAPI body, the list of ids: a proxy's page or a
    half-written answer is not an acknowledgement."""
    try:
        ids = response.json()
    except (ValueError, RecursionError):
        ids = None
    if not isinstance(ids, list):
        raise RemoteError(
            f"{RECEIVER}: {site(response.url)} answered HTTP 200 with a body that is not the "
            "list of statement ids; nothing is counted as delivered"
        )


def _reason(response: requests.Response) -> str:
    try:
        answer = response.json()
        return quoted(str(answer.get("message") or answer))
    except (ValueError, RecursionError, AttributeError):
        return quoted(response.text.strip())
