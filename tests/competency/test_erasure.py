"""Erasing a person (``lrs people erase``) removes what the competency plugin holds about them."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from plugins.competency.models import Attainment, AttainmentChange, Evidence
from tests.competency.conftest import BRIEF, GRACE, LISTEN, PASSED
from tests.competency.engine_helpers import attainments, send, stmt

TABLES = {
    "evidence": Evidence,
    "attainments": Attainment,
    "attainment history": AttainmentChange,
}


def rows_of(app: Flask, person: str) -> dict[str, int]:
    host = app.extensions["lrs"].host
    with host.read() as session:
        return {
            name: session.scalar(
                select(func.count()).select_from(table).where(table.person_id == person)
            )
            for name, table in TABLES.items()
        }


def competency_counts(output: str) -> dict[str, int]:
    return {
        line.rsplit(maxsplit=1)[0].removeprefix("competency: "): int(line.rsplit(maxsplit=1)[1])
        for line in output.splitlines()
        if line.startswith("competency: ")
    }


def test_erasing_a_person_removes_their_evidence_attainments_and_history(
    seeded_app: Flask, xapi: dict[str, str], competency_cli: Callable[..., Result]
) -> None:
    client = seeded_app.test_client()
    send(seeded_app, client, xapi, stmt(PASSED, LISTEN, days_ago=3), stmt(PASSED, BRIEF))
    send(seeded_app, client, xapi, stmt(PASSED, LISTEN, GRACE, days_ago=2))
    ada, grace = rows_of(seeded_app, "E1"), rows_of(seeded_app, "E2")
    assert ada["evidence"] == 2 and ada["attainments"] >= 3 and ada["attainment history"] >= 3
    agent = '{"mbox": "mailto:ada@example.com"}'
    shown = competency_cli("people", "erase", "--agent", agent, "--dry-run")
    assert shown.exit_code == 0, shown.output
    assert competency_counts(shown.output) == ada
    assert rows_of(seeded_app, "E1") == ada  # a dry run changes nothing
    erased = competency_cli("people", "erase", "--agent", agent, "--yes")
    assert erased.exit_code == 0, erased.output
    assert competency_counts(erased.output) == ada
    assert rows_of(seeded_app, "E1") == dict.fromkeys(TABLES, 0)
    assert rows_of(seeded_app, "E2") == grace  # others untouched
    assert attainments(seeded_app, "E2")[LISTEN].state == "attained"
    again = competency_cli("people", "erase", "--agent", agent, "--dry-run")
    assert competency_counts(again.output) == dict.fromkeys(TABLES, 0)
