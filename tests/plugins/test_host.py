"""The Host: what plugins may ask of Weft."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, g, jsonify
from sqlalchemy import select

from lrs.models import Statement
from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.host import Host, Person, PluginError, StoredStatement
from lrs.store.credentials import IssuedCredential, create_credential
from lrs.xapi.errors import Conflict, InvalidStatement
from tests.conftest import basic_auth
from tests.plugins.conftest import AUTHORITY, RecordingPlugin, runtime, statement

ALICE = {"mbox": "mailto:alice@example.com"}
ALICE_LMS = {"account": {"homePage": "https://lms.example.com", "name": "alice"}}


def test_plugin_config_reads_its_prefixed_environment_variables(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask],
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_HRIS_SYNC_URL", "https://hris.example.com")
    monkeypatch.setenv("LRS_PLUGIN_HRIS_SYNC_TOKEN_FILE", "/run/secrets/hris")
    monkeypatch.setenv("LRS_PLUGIN_HRIS_OTHER", "not ours")
    host = runtime(make_app()).host
    assert host.plugin_config("hris-sync") == {"url": "https://hris.example.com",
                                               "token_file": "/run/secrets/hris"}
    assert host.plugin_config("kpi") == {}


@pytest.mark.parametrize(("value", "expected"), [
    (None, 7), ("0", 0), ("366", 366), ("042", 42),
    ("367", None), ("-1", None), ("1.5", None), (" 3", None), ("\u00b2", None),
    ("9" * 5000, None),
])
def test_plugin_whole_number_reads_a_bounded_setting_or_names_it(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask],
    value: str | None, expected: int | None,
) -> None:
    if value is not None:
        monkeypatch.setenv("LRS_PLUGIN_HRIS_SYNC_SOON_DAYS", value)
    host = runtime(make_app()).host
    if expected is not None:
        assert host.plugin_whole_number("hris-sync", "soon_days", 7, high=366,
                                        unit="days") == expected
        return
    with pytest.raises(PluginError) as refused:
        host.plugin_whole_number("hris-sync", "soon_days", 7, high=366, unit="days")
    assert str(refused.value) == (
        "plugin 'hris-sync': LRS_PLUGIN_HRIS_SYNC_SOON_DAYS must be a whole number of days "
        f"from 0 to 366, got {value!r}"
    )


def test_plugin_whole_number_without_a_bound_or_unit_says_neither(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask],
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_KPI_EVERY", "x")
    host = runtime(make_app()).host
    with pytest.raises(PluginError) as refused:
        host.plugin_whole_number("kpi", "every", 1)
    assert str(refused.value) == ("plugin 'kpi': LRS_PLUGIN_KPI_EVERY must be a whole number, "
                                  "got 'x'")


def test_query_statements_filters_and_returns_oldest_first(make_app: Callable[..., Flask]) -> None:
    host = runtime(make_app()).host
    completed = "http://adlnet.gov/expapi/verbs/completed"
    first = host.ingest(1, [statement(verb=completed, mbox=ALICE["mbox"])], authority=AUTHORITY)
    host.ingest(1, [statement(mbox="mailto:bob@example.com", verb=completed)], authority=AUTHORITY)
    second = host.ingest(1, [statement(verb=completed, mbox=ALICE["mbox"])], authority=AUTHORITY)
    host.ingest(1, [statement(mbox=ALICE["mbox"])], authority=AUTHORITY)
    found = [s["id"] for s in host.query_statements(1, agent=ALICE, verb=completed)]
    assert found == first + second


def test_get_statements_keeps_the_order_asked_and_skips_unknown_ids(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app()).host
    ids = host.ingest(1, [statement(), statement()], authority=AUTHORITY)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert [s["id"] for s in host.get_statements(1, [ids[1], unknown, ids[0]])] == ids[::-1]
    assert host.get_statements(2, ids) == []  # another tenant's


def test_get_statements_finds_a_large_batch_in_the_order_asked(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app()).host
    ids = host.ingest(1, [statement() for _ in range(600)], authority=AUTHORITY)
    unknown = [str(uuid.uuid4()) for _ in range(600)]
    asked = [x for pair in zip(unknown, reversed(ids), strict=True) for x in pair]
    assert [s["id"] for s in host.get_statements(1, asked)] == ids[::-1]


def test_get_statements_carry_their_json_text_as_stored(make_app: Callable[..., Flask]) -> None:
    host = runtime(make_app()).host
    ids = host.ingest(1, [statement(), statement()], authority=AUTHORITY)
    with host.read() as session:
        payloads = dict(session.execute(select(Statement.statement_id, Statement.payload)).all())
    found = host.get_statements(1, ids)
    assert [s.json for s in found] == [payloads[i] for i in ids]
    assert [json.loads(s.json) for s in found] == found
    assert all(isinstance(s, StoredStatement) and isinstance(s, dict) for s in found)


class Directory:
    plugin_name = "directory"

    @hookimpl
    def resolve_person(self, agent: dict[str, Any]) -> Person | None:
        if agent in (ALICE, ALICE_LMS):
            return Person(id="E042", name="Alice", agents=(ALICE, ALICE_LMS))
        return None


class Override:
    plugin_name = "override"

    @hookimpl(tryfirst=True)
    def resolve_person(self, agent: dict[str, Any]) -> Person | None:
        return Person(id="CONTRACTOR-1") if agent == ALICE_LMS else None


def test_resolve_person_takes_the_first_answer_in_hook_order(
    make_app: Callable[..., Flask],
) -> None:
    recording = RecordingPlugin()
    host = runtime(make_app(Directory(), Override(), recording)).host
    assert host.resolve_person(1, ALICE) == Person(id="E042", name="Alice",
                                                   agents=(ALICE, ALICE_LMS))
    assert host.resolve_person(1, ALICE_LMS) == Person(id="CONTRACTOR-1")
    assert host.resolve_person(1, {"mbox": "mailto:nobody@example.com"}) is None
    assert recording.called("resolve_person")[0]["tenant_id"] == 1


class Report:
    plugin_name = "report"

    @hookimpl
    def register_blueprints(self, host: Host) -> list[Blueprint]:
        blueprint = Blueprint("report", __name__, url_prefix="/plugins/report")

        @blueprint.get("/whoami")
        @host.requires("statements/read")
        def whoami() -> Any:
            return jsonify(tenant=g.principal.tenant_id)

        return [blueprint]


def test_registered_blueprint_is_served_behind_host_requires(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(Report())
    with runtime(app).db.write() as session:
        key = runtime(app).settings.secret_key
        reader = create_credential(session, key, name="r", scopes=["statements/read"])
        writer = create_credential(session, key, name="w", scopes=["statements/write"])
    http = app.test_client()
    assert http.get("/plugins/report/whoami").status_code == 401
    assert get_as(http, writer).status_code == 403
    response = get_as(http, reader)
    assert (response.status_code, response.get_json()) == (200, {"tenant": 1})


def get_as(http: Any, credential: IssuedCredential) -> Any:
    return http.get("/plugins/report/whoami", headers={"Authorization": basic_auth(credential)})


def test_register_blueprints_is_called_once_with_the_host(make_app: Callable[..., Flask]) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    assert recording.called("register_blueprints") == [{"host": runtime(app).host}]


def test_ingest_built_stores_a_plugins_statements_without_validating_them_as_ingest_would(
    make_app: Callable[..., Flask],
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording, max_iri_bytes=200)
    host = runtime(app).host
    built = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:alice@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"objectType": "Activity", "id": "http://example.com/activities/one"},
        "timestamp": "2026-01-05T10:00:00.000000Z",
    }
    assert host.ingest_built(1, [built], authority=AUTHORITY, plugin="competency") == [built["id"]]
    stored = host.get_statements(1, [built["id"]])[0]
    assert {key: stored[key] for key in built} == built
    runtime(app).outbox.process_pending()
    (event,) = [call["event"] for call in recording.called("statements_stored")]
    assert event.statement_ids == (built["id"],) and event.source == {"plugin": "competency"}
    # Stored again unchanged: nothing new; changed under the same id: refused (409).
    host.ingest_built(1, [built], authority=AUTHORITY, plugin="competency")
    changed = {**built, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    with pytest.raises(Conflict):
        host.ingest_built(1, [changed], authority=AUTHORITY, plugin="competency")
    # The index bounds still hold, with the path of the statement past them; nothing stored.
    long_iri = {
        **built,
        "id": str(uuid.uuid4()),
        "object": {"objectType": "Activity", "id": "http://example.com/" + "a" * 300},
    }
    with pytest.raises(InvalidStatement) as refused:
        host.ingest_built(
            1,
            [dict(built, id=str(uuid.uuid4())), long_iri],
            authority=AUTHORITY,
            plugin="competency",
        )
    assert refused.value.errors[0].path.startswith("$[1].object")
    assert len(host.statement_texts(1, [long_iri["id"]])) == 0
