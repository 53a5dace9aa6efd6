"""``lrs competency rules add | list | remove``, ``lrs competency rebuild`` and ``sweep``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask

from tests.competency.conftest import LISTEN, PASSED
from tests.competency.engine_helpers import assertions, attainments, evidence, send, stmt

COURSE = "https://lms.example.com/courses/listening"


def test_rules_are_added_listed_and_removed(
    seeded_app: Flask, competency_cli: Callable[..., Result]
) -> None:
    added = competency_cli(
        "competency",
        "rules",
        "add",
        "--activity",
        COURSE,
        "--competency",
        LISTEN,
        "--min-scaled",
        "0.8",
        "--valid-days",
        "365",
        "--weight",
        "2",
    )
    assert added.exit_code == 0, added.output
    assert added.output == f"Added rule 1: activity {COURSE}.\n"
    listed = competency_cli("competency", "rules", "list")
    assert listed.output == (
        f"1  activity {COURSE} -> {LISTEN}  (weight 2; scaled >= 0.8; valid 365 days)\n"
    )
    removed = competency_cli("competency", "rules", "remove", "1")
    assert (removed.exit_code, removed.output) == (0, "Removed rule 1.\n")
    assert competency_cli("competency", "rules", "list").output == "No evidence rules.\n"
    missing = competency_cli("competency", "rules", "remove", "1")
    assert missing.exit_code == 1 and "no evidence rule 1" in missing.output


def test_a_bad_rule_is_one_line_naming_the_path(
    seeded_app: Flask, competency_cli: Callable[..., Result]
) -> None:
    bad = competency_cli(
        "competency", "rules", "add", "--program", COURSE, "--competency", "urn:nope"
    )
    assert bad.exit_code == 1
    assert "$.competencies[0]: 'urn:nope' is not a competency" in bad.output
    both = competency_cli(
        "competency",
        "rules",
        "add",
        "--program",
        COURSE,
        "--activity",
        COURSE,
        "--competency",
        LISTEN,
    )
    assert both.exit_code == 2 and "give one of --activity" in both.output


def test_rebuild_then_sweep(
    seeded_app: Flask, xapi: dict[str, str], competency_cli: Callable[..., Result]
) -> None:
    client = seeded_app.test_client()
    send(seeded_app, client, xapi, stmt(PASSED, COURSE), stmt(PASSED, COURSE, "mailto:x@y.org"))
    competency_cli("competency", "rules", "add", "--activity", COURSE, "--competency", LISTEN)
    assert evidence(seeded_app) == []
    rebuilt = competency_cli("competency", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.output.splitlines()[-1] == (
        "Read 2 statements: 1 evidence, 1 naming no person. 1 people: "
        "2 changes, 1 assertions recorded."
    )
    assert attainments(seeded_app)[LISTEN].state == "attained"
    assert len(assertions(client, xapi)) == 1
    again = competency_cli("competency", "rebuild")
    assert again.output.splitlines()[-1].endswith("0 changes, 0 assertions recorded.")
    swept = competency_cli("competency", "sweep")
    assert (swept.exit_code, swept.output) == (0, "0 changes, 0 assertions recorded.\n")


@pytest.mark.parametrize(
    "command", [["rules", "add"], ["rules", "list"], ["rules", "remove"], ["rebuild"], ["sweep"]]
)
def test_each_command_help_shows_an_example(
    competency_cli: Callable[..., Result], command: list[str]
) -> None:
    result = competency_cli("competency", *command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"lrs competency {' '.join(command)}" in result.output
