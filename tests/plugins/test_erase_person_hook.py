"""``erase_person``: plugins erase what they hold about a person, in Weft's erasure transaction.

All or nothing: a plugin that fails stops the erasure, and then neither Weft's
rows nor another plugin's are erased, and no ``person.erased`` is announced.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from lrs.machinery.manager import PluginError
from lrs.models import Statement
from lrs.plugin.hookspecs import hookimpl
from lrs.services import admin
from tests.plugins.conftest import AUTHORITY, RecordingPlugin, runtime, statement

ADA = {"mbox": "mailto:ada@example.com"}
BOB = {"mbox": "mailto:bob@example.com"}
ADA_KEYS = frozenset({"mbox:mailto:ada@example.com", "mbox_sha1sum:"
                      + hashlib.sha1(b"mailto:ada@example.com").hexdigest()})


def said(actor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**statement(), "id": str(uuid.uuid4()), "actor": actor, **extra}


class CrashingEraser:
    plugin_name = "crashing_eraser"

    @hookimpl
    def erase_person(self) -> None:
        raise ConnectionError("the plugin's archive is unreachable")


class Answering:
    """Answers ``erase_person`` with what it is given to answer."""

    plugin_name = "answering"

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    @hookimpl
    def erase_person(self) -> Any:
        return self.answer


def stored_ids(app: Flask) -> set[str]:
    with runtime(app).db.read() as session:
        return set(session.scalars(select(Statement.statement_id)))


def erase(app: Flask, **options: Any) -> dict[str, int]:
    return admin.erase_person(runtime(app), actor="cli:test", agent=ADA, **options)


def erasures_announced(app: Flask, recorder: RecordingPlugin) -> list[Any]:
    outbox = runtime(app).outbox
    while outbox.process_pending():
        pass
    return [call["event"] for call in recorder.called("admin_action_taken")
            if call["event"].action == "person.erased"]


def test_plugins_are_told_who_is_erased_and_which_statements_go_or_are_redacted(
    make_app: Callable[..., Flask],
) -> None:
    recorder = RecordingPlugin()
    app = make_app(recorder)
    own, other = said(ADA), said(BOB, context={"instructor": ADA})
    runtime(app).host.ingest(1, [own, other, said(BOB)], authority=AUTHORITY)

    erase(app, dry_run=True)
    erase(app)

    preview, done = recorder.called("erase_person")
    for call, dry_run in ((preview, True), (done, False)):
        assert call["dry_run"] is dry_run
        assert (call["tenant_id"], call["person_keys"]) == (1, ADA_KEYS)
        assert call["deleted_statement_ids"] == (own["id"],)
        assert call["redacted_statement_ids"] == (other["id"],)
        assert call["host"] is runtime(app).host


def test_plugins_erase_before_weft_in_its_transaction_so_the_statements_are_readable(
    make_app: Callable[..., Flask],
) -> None:
    seen: list[set[str]] = []

    class Reading:
        plugin_name = "reading"

        @hookimpl
        def erase_person(self, session: Any, deleted_statement_ids: tuple[str, ...]) -> None:
            seen.append(set(session.scalars(select(Statement.statement_id).where(
                Statement.statement_id.in_(deleted_statement_ids)))))

    app = make_app(Reading())
    own = said(ADA)
    runtime(app).host.ingest(1, [own], authority=AUTHORITY)
    erase(app)
    assert seen == [{own["id"]}]
    assert own["id"] not in stored_ids(app)


def test_a_failing_plugin_stops_the_erasure_and_nothing_is_erased(
    make_app: Callable[..., Flask],
) -> None:
    recorder = RecordingPlugin()
    app = make_app(recorder, CrashingEraser())
    own = said(ADA)
    runtime(app).host.ingest(1, [own], authority=AUTHORITY)

    for dry_run in (True, False):
        with pytest.raises(PluginError, match=(
                "plugin 'crashing_eraser' failed to erase the person, so nothing was erased: "
                "the plugin's archive is unreachable")):
            erase(app, dry_run=dry_run)

    assert own["id"] in stored_ids(app)
    assert erasures_announced(app, recorder) == []


@pytest.mark.parametrize("answer", [["seen", 1], {"seen": "1"}, {1: 1}, {"seen": True}])
def test_a_plugin_answering_something_else_than_counts_stops_the_erasure(
    make_app: Callable[..., Flask], answer: Any,
) -> None:
    app = make_app(Answering(answer))
    own = said(ADA)
    runtime(app).host.ingest(1, [own], authority=AUTHORITY)
    with pytest.raises(PluginError, match="plugin 'answering': erase_person must return counts"):
        erase(app)
    assert own["id"] in stored_ids(app)


def test_plugins_counts_join_weft_s_own_and_the_recorded_erasure(
    make_app: Callable[..., Flask],
) -> None:
    recorder = RecordingPlugin()
    app = make_app(recorder, Answering({"badges": 2, "evidence_rows": 0}))
    runtime(app).host.ingest(1, [said(ADA)], authority=AUTHORITY)

    counts = erase(app)

    assert counts["statements_deleted"] == 1
    assert (counts["answering.badges"], counts["answering.evidence_rows"]) == (2, 0)
    [announced] = erasures_announced(app, recorder)
    assert announced.details == counts


def test_what_a_plugin_changes_in_a_dry_run_is_rolled_back(
    make_app: Callable[..., Flask],
) -> None:
    class Careless:
        plugin_name = "careless"

        @hookimpl
        def erase_person(self, session: Any, deleted_statement_ids: tuple[str, ...]) -> None:
            session.execute(delete(Statement).where(
                Statement.statement_id.in_(deleted_statement_ids)))

    app = make_app(Careless())
    own = said(ADA)
    runtime(app).host.ingest(1, [own], authority=AUTHORITY)
    assert erase(app, dry_run=True)["statements_deleted"] == 1
    assert own["id"] in stored_ids(app)
