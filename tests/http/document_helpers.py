"""Parameters and calls shared by the document resource tests."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITY = "http://example.com/activities/doc"
AGENT = {"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "ann"}}


def new_id() -> str:
    return str(uuid.uuid4())


def state_params(**overrides: Any) -> dict[str, Any]:
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": new_id(), **overrides}


def activity_profile_params(**overrides: Any) -> dict[str, Any]:
    return {"activityId": ACTIVITY, "profileId": new_id(), **overrides}


def agent_profile_params(**overrides: Any) -> dict[str, Any]:
    return {"agent": AGENT, "profileId": new_id(), **overrides}


def url(path: str, params: dict[str, Any]) -> str:
    """``path?query`` with JSON-valued parameters (``agent``) encoded as JSON."""
    encoded = {k: json.dumps(v) if isinstance(v, dict | bool) else v for k, v in params.items()}
    return f"{path}?{urlencode(encoded)}"


def send(
    client: FlaskClient,
    method: str,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str],
    body: Any = None,
    **extra_headers: str,
) -> TestResponse:
    """One call; a dict/list ``body`` is sent as JSON, bytes/str as they are."""
    kwargs: dict[str, Any] = {"headers": {**headers, **_header_names(extra_headers)}}
    if isinstance(body, dict | list):
        kwargs["json"] = body
    elif body is not None:
        kwargs["data"] = body
    return client.open(url(path, params), method=method, **kwargs)


def _header_names(extra: dict[str, str]) -> dict[str, str]:
    """``If_Match="x"`` → ``{"If-Match": "x"}`` (keyword arguments cannot hold dashes)."""
    return {name.replace("_", "-"): value for name, value in extra.items()}


def etag(response: TestResponse) -> str:
    return response.headers["ETag"]
