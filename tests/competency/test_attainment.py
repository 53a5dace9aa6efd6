"""Attainment: confidence and states, conflicting evidence, roll-up (all and any),
``precedes`` prerequisites, expiry and the lapse date, the ``asserted`` statements
(shape, stable ids), first attainment that never moves, and rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask import Flask

from lrs.plugin.host import Person
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion
from plugins.competency.attainment import Standing, state_at
from plugins.competency.catalog import Competency
from plugins.competency.derived import ASSERTED, CONFIDENCE, EVIDENCE, assertion, statement_id
from plugins.competency.engine import sweep
from plugins.competency.evidence import microseconds
from plugins.competency.rebuild import people_to_reevaluate, rebuild_evidence, reevaluate_people
from tests.competency.conftest import (
    BRIEF,
    COMM,
    FA1,
    FA2,
    FA3,
    FAILED,
    FIRST_AID,
    LISTEN,
    PASSED,
    VERBS,
    seed,
)
from tests.competency.engine_helpers import (
    add_rule,
    assertions,
    attainments,
    evidence,
    history,
    send,
    stmt,
)
from tests.plugins.conftest import RecordingPlugin

COURSE = "https://lms.example.com/courses/listening"
DAY_US = 86_400_000_000


def us(statement: dict[str, object]) -> int:
    return microseconds(str(statement["timestamp"]))


def test_passing_attains_with_full_confidence(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    sent = stmt(PASSED, LISTEN, days_ago=3)
    send(seeded_app, client, xapi, sent)
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.confidence, row.evidence_count) == ("attained", 1.0, 1)
    assert row.first_attained_us == row.attained_since_us == us(sent)
    assert row.lapses_us is None
    assert attainments(seeded_app, "E2") == {}


def test_conflicting_evidence_and_how_it_resolves(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    send(
        seeded_app, client, xapi, stmt(PASSED, LISTEN, days_ago=5), stmt(FAILED, LISTEN, days_ago=4)
    )
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.confidence) == ("conflicting", 0.5)
    assert row.first_attained_us == us_of_first(seeded_app)
    send(seeded_app, client, xapi, stmt(PASSED, LISTEN, days_ago=1))
    row = attainments(seeded_app)[LISTEN]
    assert row.state == "attained" and row.confidence == pytest.approx(2 / 3, abs=1e-6)
    send(seeded_app, client, xapi, *(stmt(FAILED, LISTEN, days_ago=0.5) for _ in range(3)))
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.confidence) == ("not_attained", pytest.approx(2 / 6, abs=1e-6))
    assert [
        (c.from_state, c.to_state) for c in history(seeded_app) if c.competency_uri == LISTEN
    ] == [
        ("unknown", "conflicting"),
        ("conflicting", "attained"),
        ("attained", "not_attained"),
    ]


def us_of_first(app: Flask) -> int:
    """When the first (passed) evidence happened: it attained alone before the failure."""
    return min(e.occurred_us for e in evidence(app) if e.positive)


def test_a_light_rule_needs_enough_evidence(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN], weight=0.5)
    send(seeded_app, client, xapi, stmt(PASSED, COURSE, days_ago=2))
    assert attainments(seeded_app)[LISTEN].state == "not_attained"
    second = stmt(PASSED, COURSE, days_ago=1)
    send(seeded_app, client, xapi, second)
    row = attainments(seeded_app)[LISTEN]
    assert row.state == "attained" and row.attained_since_us == us(second)


def test_a_parent_is_attained_when_all_its_children_are(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    send(seeded_app, client, xapi, stmt(PASSED, LISTEN, days_ago=3))
    assert attainments(seeded_app)[COMM].state == "not_attained"
    last = stmt(PASSED, BRIEF, days_ago=1)
    send(seeded_app, client, xapi, last)
    parent = attainments(seeded_app)[COMM]
    assert parent.state == "attained"
    assert parent.attained_since_us == parent.first_attained_us == us(last)
    assert parent.evidence_count == 2
    (asserted,) = [s for s in assertions(client, xapi) if s["object"]["id"] == COMM]
    assert set(asserted["context"]["extensions"][EVIDENCE]) == {
        e.statement_id for e in evidence(seeded_app)
    }


@pytest.fixture
def any_app(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    recorder: RecordingPlugin,
    monkeypatch: pytest.MonkeyPatch,
) -> Flask:
    monkeypatch.setenv("LRS_PLUGIN_COMPETENCY_ROLLUP", "any")
    return seed(lrs_make_app(recorder, installed=["competency"], database_url=fresh_database_url))


def test_roll_up_can_ask_for_any_child(
    any_app: Flask, lrs_make_credential: Callable[..., object]
) -> None:
    client = any_app.test_client()
    auth = lrs_make_credential("all", app=any_app).headers  # type: ignore[attr-defined]
    send(any_app, client, auth, stmt(PASSED, LISTEN))
    assert attainments(any_app)[COMM].state == "attained"


def test_a_bad_setting_stops_start_up(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lrs.plugin.host import PluginError

    monkeypatch.setenv("LRS_PLUGIN_COMPETENCY_ATTAINED_THRESHOLD", "0.3")
    with pytest.raises(PluginError, match="NOT_ATTAINED_THRESHOLD"):
        lrs_make_app(installed=["competency"], database_url=fresh_database_url)


def test_prerequisites_hold_a_competency_back_until_they_are_attained(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    """FA.1 precedes FA.2 precedes FA.3; first aid is their parent."""
    client = seeded_app.test_client()
    send(seeded_app, client, xapi, stmt(PASSED, FA2, days_ago=5), stmt(PASSED, FA3, days_ago=4))
    rows = attainments(seeded_app)
    assert (rows[FA2].state, rows[FA2].confidence) == ("not_attained", 1.0)
    assert rows[FA2].first_attained_us is None
    assert rows[FA3].state == "not_attained"
    assert rows[FIRST_AID].state == "not_attained"
    assert not [s for s in assertions(client, xapi) if s["object"]["id"] in (FA2, FA3)]

    prerequisite = stmt(PASSED, FA1, days_ago=2)
    send(seeded_app, client, xapi, prerequisite)
    rows = attainments(seeded_app)
    assert {uri: rows[uri].state for uri in (FA1, FA2, FA3, FIRST_AID)} == dict.fromkeys(
        (FA1, FA2, FA3, FIRST_AID), "attained"
    )
    # attained once the prerequisite was: its evidence came earlier
    assert rows[FA2].first_attained_us == rows[FA3].first_attained_us == us(prerequisite)
    assert rows[FIRST_AID].first_attained_us == us(prerequisite)


def test_evidence_expires_and_the_competency_lapses_on_its_date(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN], valid_days=30)
    sent = stmt(PASSED, COURSE, days_ago=20)
    send(seeded_app, client, xapi, sent)
    row = attainments(seeded_app)[LISTEN]
    lapse = us(sent) + 30 * DAY_US
    assert (row.state, row.lapses_us) == ("attained", lapse)
    assert attainments(seeded_app)[COMM].lapses_us is None  # BRIEF is unknown: not attained
    assert state_at(row.state, row.lapses_us, lapse - 1) == "attained"
    assert state_at(row.state, row.lapses_us, lapse) == "not_attained"

    host = seeded_app.extensions["lrs"].host
    assert sweep(host, 1, lapse - 1).changes == 0
    done = sweep(host, 1, lapse + 11 * DAY_US)
    assert done.changes == 1 and done.derived == 1
    row = attainments(seeded_app)[LISTEN]
    # lapses_us now says when it lapsed (the views show "lapsed")
    assert (row.state, row.lapses_us, row.first_attained_us) == ("not_attained", lapse, us(sent))
    change = [c for c in history(seeded_app) if c.competency_uri == LISTEN][-1]
    assert (change.from_state, change.to_state, change.effective_us) == (
        "attained",
        "not_attained",
        lapse,
    )
    (lost,) = [s for s in assertions(client, xapi) if s["id"] == change.statement_id]
    assert lost["result"] == {"success": False}
    assert microseconds(lost["timestamp"]) == lapse
    assert lost["context"]["extensions"][CONFIDENCE] == -1.0
    assert sweep(host, 1, lapse + 12 * DAY_US).changes == 0


def test_the_sweep_reads_only_the_due_attainments(seeded_app: Flask) -> None:
    """Attainments lost long ago keep their lapse date: the sweep's look-up must not
    walk them (it did on an index of ``lapses_us`` alone, a cost growing with the
    store), only the tenant's attained rows whose lapse has passed."""
    from sqlalchemy import text

    from plugins.competency.engine import due_query

    engine = seeded_app.extensions["lrs"].db.engine
    query = due_query(1, 10**16).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a near-empty table
            plan = "\n".join(connection.scalars(text(f"EXPLAIN {query}")))
            assert "ix_competency_attainments_due" in plan, plan
            (cond,) = [line for line in plan.splitlines() if "Index Cond" in line]
            assert "state" in cond and "lapses_us" in cond, plan
        else:
            plan = " ".join(r[-1] for r in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            assert "USING INDEX ix_competency_attainments_due" in plan, plan
            assert "state=? AND lapses_us<?" in plan, plan


def test_the_batch_looks_up_its_recorded_evidence_by_statement_id(seeded_app: Flask) -> None:
    """Each delivered batch asks which of its statements' evidence is recorded already:
    by the ``(tenant_id, statement_id)`` index, not by a scan of the tenant's evidence
    (SQLite chose that, the unique index covering the columns asked for)."""
    from sqlalchemy import text

    from plugins.competency.engine import recorded_query

    engine = seeded_app.extensions["lrs"].db.engine
    ids = [str(uuid.uuid4()) for _ in range(3)]
    query = recorded_query(1, ids).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a near-empty table
            plan = "\n".join(connection.scalars(text(f"EXPLAIN {query}")))
            assert "ix_competency_evidence_tenant_statement" in plan, plan
        else:
            plan = " ".join(r[-1] for r in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            assert "ix_competency_evidence_tenant_statement" in plan, plan
            assert "statement_id=?" in plan, plan


def test_evidence_that_expired_already_counts_as_a_past_attainment(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN], valid_days=30)
    sent = stmt(PASSED, COURSE, days_ago=40)
    send(seeded_app, client, xapi, sent)
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.first_attained_us, row.lapses_us) == (
        "not_attained",
        us(sent),
        us(sent) + 30 * DAY_US,
    )
    renewed = stmt(PASSED, COURSE, days_ago=1)
    send(seeded_app, client, xapi, renewed)
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.first_attained_us) == ("attained", us(sent))
    assert row.attained_since_us == us(renewed)
    assert row.lapses_us == us(renewed) + 30 * DAY_US


def test_the_asserted_statement(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    sent = stmt(PASSED, LISTEN, days_ago=2)
    send(seeded_app, client, xapi, sent)
    row = attainments(seeded_app)[LISTEN]
    (change,) = [c for c in history(seeded_app) if c.competency_uri == LISTEN]
    expected_id = statement_id(1, "E1", LISTEN, True, row.attained_since_us)
    assert change.statement_id == expected_id
    (asserted,) = [s for s in assertions(client, xapi) if s["object"]["id"] == LISTEN]
    assert asserted["id"] == expected_id
    assert asserted["actor"] == {
        "objectType": "Agent",
        "mbox": "mailto:ada@example.com",
        "name": "Ada Lovelace",
    }
    assert asserted["verb"]["id"] == ASSERTED
    assert asserted["object"]["definition"] == {
        "type": "https://w3id.org/xapi/tla/activity-types/competency",
        "name": {"en": "C.1 Listen actively and confirm understanding"},
        "description": {"en": "Listen actively and confirm understanding"},
    }
    assert asserted["result"] == {"success": True}
    assert asserted["context"]["statement"] == {"objectType": "StatementRef", "id": sent["id"]}
    assert asserted["context"]["extensions"] == {CONFIDENCE: 1.0, EVIDENCE: [sent["id"]]}
    assert microseconds(asserted["timestamp"]) == us(sent)
    assert asserted["authority"]["account"]["name"] == "competency"


@pytest.mark.parametrize(
    ("attributes", "agents"),
    [
        ({"email": "Ada@Example.com"}, ()),
        ({}, ({"account": {"homePage": "https://lms.example.com", "name": "ada"}},)),
    ],
)
@pytest.mark.parametrize("gained", [True, False])
def test_asserted_statements_are_built_as_validation_would_store_them(
    attributes: dict[str, str], agents: tuple[dict[str, object], ...], gained: bool
) -> None:
    """They are stored with ``Host.ingest_built``, which skips validation: its output
    must be what ``Host.ingest`` would have stored."""
    person = Person(id="E1", name="Ada Lovelace", agents=agents, attributes=attributes)
    evidence = (str(uuid.uuid4()), str(uuid.uuid4()))
    standing = Standing("attained", 0.75, 2, 1, 1, None, evidence)
    competency = Competency(LISTEN, "Listen actively", "C.1", "Competency")
    for uri, known in ((LISTEN, competency), ("urn:x:unknown", None)):
        built = assertion(
            str(uuid.uuid4()), person, known, uri, standing, 1_767_607_200_123_456, gained
        )
        assert built is not None
        assert validate_statements([built], XapiVersion("2.0.0")) == [built]


def test_first_attainment_never_moves(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    first = stmt(PASSED, LISTEN, days_ago=10)
    send(seeded_app, client, xapi, first)
    voiding = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:lms@example.com"},
        "verb": {"id": VERBS + "voided"},
        "object": {"objectType": "StatementRef", "id": first["id"]},
    }
    send(seeded_app, client, xapi, voiding)
    again = stmt(PASSED, LISTEN, days_ago=1)
    send(seeded_app, client, xapi, again)
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.first_attained_us, row.attained_since_us) == (
        "attained",
        us(first),
        us(again),
    )


def test_rebuild_applies_new_rules_to_stored_statements_once(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    sent = stmt(PASSED, COURSE, days_ago=3)
    send(seeded_app, client, xapi, sent)
    assert evidence(seeded_app) == []
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN])
    host = seeded_app.extensions["lrs"].host

    def rebuild() -> tuple[int, int]:
        rebuild_evidence(host, 1, host.query_statements(1))
        done = reevaluate_people(host, 1, people_to_reevaluate(host, 1))
        return done.changes, done.derived

    assert rebuild() == (2, 1)  # LISTEN attained (asserted), COMM not attained
    assert [e.statement_id for e in evidence(seeded_app)] == [sent["id"]]
    assert attainments(seeded_app)[LISTEN].state == "attained"
    count = len(assertions(client, xapi))
    assert rebuild() == (0, 0)
    assert len(assertions(client, xapi)) == count
    assert len(history(seeded_app)) == 2


def test_a_batch_is_evaluated_in_a_few_queries(seeded_app: Flask, xapi: dict[str, str]) -> None:
    """Many statements of many people: the queries do not grow with the batch."""
    from sqlalchemy import event

    from lrs.plugin.testing import deliver

    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN, BRIEF])
    people = [{"employee_id": f"P{i}", "email": f"p{i}@example.com"} for i in range(60)]
    host = seeded_app.extensions["lrs"].host
    host.import_people(1, people, actor="test")
    statements = [stmt(PASSED, COURSE, f"mailto:p{i}@example.com") for i in range(60)]
    assert client.post("/xapi/statements", json=statements, headers=xapi).status_code == 200
    engine = seeded_app.extensions["lrs"].db.engine
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        deliver(seeded_app)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sum(1 for r in attainments(seeded_app, "P7").values() if r.state == "attained") == 3
    plugin_queries = [q for q in queries if "competency_" in q]
    assert len(plugin_queries) < 40, plugin_queries
