"""Merging and splitting people in the directory, with their history (``lrs people
merge / split / history``), on each test database; read through the plugins' host."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lrs.app import create_app
from lrs.runtime import Runtime
from lrs.settings import Settings
from tests.people.test_people_import import HEADER, staff_csv
from tests.test_cli import lrs

assert lrs and staff_csv  # fixtures, used by name

STAFF = HEADER + (
    "E1,Ada,ada@example.com,training@example.com,,Sales,,Berlin,Rep,2026-01-15,true,\n"
    "E7,Ada (contractor),ada@contractor.example,,https://lms.example.com|ada7,Sales,,,,,true,\n"
    "E2,Bob,bob@example.com,,,Ops,,,,,true,\n"
)
ADA_LMS = {"account": {"homePage": "https://lms.example.com", "name": "ada7"}}
TRAINING = {"mbox": "mailto:training@example.com"}


@pytest.fixture
def runtime(make_settings: Callable[..., Settings], lrs: Any,
            staff_csv: Any) -> Iterator[Runtime]:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    runtime = create_app(make_settings()).extensions["lrs"]
    yield runtime
    runtime.db.engine.dispose()


def who(runtime: Runtime, agent: dict[str, Any]) -> str | None:
    person = runtime.host.resolve_person(1, agent)
    return person.id if person else None


def test_merge_makes_one_person_of_two(lrs: Any, runtime: Runtime) -> None:
    assert lrs("people", "groups", "create", "Wardens").exit_code == 0
    assert lrs("people", "groups", "add", "Wardens", "E7").exit_code == 0
    merged = lrs("people", "merge", "E1", "E7")
    assert merged.exit_code == 0, merged.output
    assert "Merged E7 into E1: 3 identit(y/ies) moved." in merged.stdout
    assert who(runtime, ADA_LMS) == who(runtime, {"mbox": "mailto:ada@contractor.example"}) == "E1"
    assert [p.id for p in runtime.host.group_members(1, "Wardens")] == ["E1"]
    listed = [p["employee_id"] for p in json.loads(lrs("people", "list", "--json").stdout)]
    assert listed == ["E1", "E2"]
    [change] = json.loads(lrs("people", "history", "E7", "--json").stdout)
    assert (change["action"], change["person"], change["other"]) == ("merged", "E1", "E7")
    assert "account:https://lms.example.com|ada7" in change["identities"]
    assert change["actor"].startswith("cli:")


def test_split_moves_identities_to_a_new_person(lrs: Any, runtime: Runtime) -> None:
    key = "mbox:mailto:training@example.com"
    split = lrs("people", "split", "E1", "--into", "DESK", "--display-name", "Training desk",
                "--identity", key)
    assert split.exit_code == 0, split.output
    assert who(runtime, TRAINING) == "DESK"
    assert who(runtime, {"mbox": "mailto:ada@example.com"}) == "E1"
    assert runtime.host.resolve_person(1, TRAINING).name == "Training desk"
    table = lrs("people", "history").stdout
    assert "split" in table and "DESK" in table and key in table


def test_mistakes_change_nothing_and_say_why(lrs: Any, runtime: Runtime) -> None:
    assert "cannot be merged into themself" in lrs("people", "merge", "E1", "E1").output
    assert "no person 'E9' in the directory" in lrs("people", "merge", "E1", "E9").output
    foreign = lrs("people", "split", "E1", "--into", "X",
                  "--identity", "mbox:mailto:bob@example.com")
    assert foreign.exit_code == 1 and "not an identity of E1" in foreign.output
    taken = lrs("people", "split", "E1", "--into", "E2", "--identity",
                "mbox:mailto:training@example.com")
    assert taken.exit_code == 1 and "already has a person 'E2'" in taken.output
    assert who(runtime, TRAINING) == "E1"
    assert json.loads(lrs("people", "history", "--json").stdout) == []


def test_erasure_takes_the_history_naming_the_person(lrs: Any, runtime: Runtime) -> None:
    assert lrs("people", "merge", "E1", "E7").exit_code == 0
    assert lrs("people", "split", "E2", "--into", "E3",
               "--identity", "mbox:mailto:bob@example.com").exit_code == 0
    assert lrs("people", "erase", "--yes", "--agent",
               '{"mbox": "mailto:ada@example.com"}').exit_code == 0
    history = json.loads(lrs("people", "history", "--json").stdout)
    assert [(c["action"], c["person"]) for c in history] == [("split", "E2")]
