"""Option types the ``lrs`` commands share: JSON agents, timestamps, and how errors read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from lrs.xapi.errors import XapiError
from lrs.xapi.versions import XapiVersion

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AgentParam(click.ParamType):
    """A JSON Agent or Group option, validated like a statement's actor."""

    name = "JSON"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from lrs.xapi.validate import validate_agent

        if isinstance(value, dict):
            return value
        try:
            agent = json.loads(value)
        except ValueError as exc:
            self.fail(f"not JSON ({exc})", param, ctx)
        if not isinstance(agent, dict):
            self.fail("must be a JSON object (an Agent or Group)", param, ctx)
        try:
            validate_agent(agent, XapiVersion.V2_0_0, "$")
        except XapiError as exc:
            self.fail(describe_error(exc), param, ctx)
        return agent


class TimestampParam(click.ParamType):
    """An ISO 8601 timestamp (UTC when it has no offset), as µs since the epoch."""

    name = "ISO8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 timestamp", param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - _EPOCH) // timedelta(microseconds=1)


AGENT = AgentParam()
TIMESTAMP = TimestampParam()


def describe_error(exc: XapiError) -> str:
    """Each problem with its JSON path, or the message when there are no details."""
    return "; ".join(f"{e.path}: {e.message}" for e in exc.errors) or exc.message
