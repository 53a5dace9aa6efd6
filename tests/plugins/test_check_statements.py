"""check_statements: plugins refuse batches before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lrs.models import OutboxEvent, Statement
from lrs.plugin.hookspecs import ErrorDetail, hookimpl
from lrs.xapi.errors import InvalidStatement
from tests.plugins.conftest import AUTHORITY, RecordingPlugin, runtime, statement

FORBIDDEN = "https://example.com/verbs/forbidden"


class ProfileCheck:
    """Refuses a verb, like an xAPI Profile whose templates do not allow it."""

    plugin_name = "profile"

    @hookimpl
    def check_statements(self, statements: list[dict[str, Any]]) -> list[ErrorDetail]:
        return [ErrorDetail(f"$[{i}].verb.id", "not allowed by the profile")
                for i, s in enumerate(statements) if s["verb"]["id"] == FORBIDDEN]


class HouseRule:
    plugin_name = "house-rule"

    @hookimpl
    def check_statements(self, statements: list[dict[str, Any]]) -> None:
        return None


class BrokenCheck:
    plugin_name = "broken-check"

    @hookimpl
    def check_statements(self) -> list[ErrorDetail]:
        raise RuntimeError("profile server down")


def stored_count(app: Flask) -> int:
    with runtime(app).db.read() as session:
        return session.scalar(select(func.count()).select_from(Statement)) or 0


def test_check_statements_problems_refuse_the_whole_batch(make_app: Callable[..., Flask]) -> None:
    recording = RecordingPlugin()
    app = make_app(ProfileCheck(), HouseRule(), recording)
    batch = [statement(), statement(verb=FORBIDDEN), statement(verb=FORBIDDEN)]
    with pytest.raises(InvalidStatement) as refused:
        runtime(app).host.ingest(1, batch, authority=AUTHORITY)
    assert refused.value.errors == [ErrorDetail("$[1].verb.id", "not allowed by the profile"),
                                    ErrorDetail("$[2].verb.id", "not allowed by the profile")]
    assert stored_count(app) == 0
    with runtime(app).db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.hook == "statements_stored")) == 0


def test_check_statements_gets_the_validated_batch_before_it_is_stored(
    make_app: Callable[..., Flask],
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    runtime(app).host.ingest(1, [statement()], authority=AUTHORITY, version="1.0.3")
    [call] = recording.called("check_statements")
    assert (call["tenant_id"], call["version"], call["credential_id"]) == (1, "1.0.3", None)
    [checked] = call["statements"]
    assert "stored" not in checked and "authority" not in checked
    assert stored_count(app) == 1


def test_check_statements_that_crashes_stores_nothing(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(BrokenCheck())
    with pytest.raises(RuntimeError, match="profile server down"):
        runtime(app).host.ingest(1, [statement()], authority=AUTHORITY)
    assert stored_count(app) == 0
    assert "plugin 'broken-check' failed checking statements" in caplog.text


def test_check_statements_must_return_error_details(make_app: Callable[..., Flask]) -> None:
    class Sloppy:
        plugin_name = "sloppy"

        @hookimpl
        def check_statements(self) -> list[str]:
            return ["bad verb"]

    app = make_app(Sloppy())
    with pytest.raises(TypeError, match="plugin 'sloppy'"):
        runtime(app).host.ingest(1, [statement()], authority=AUTHORITY)
    assert stored_count(app) == 0
