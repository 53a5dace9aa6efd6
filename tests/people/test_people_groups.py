"""Groups and cohorts of a store's people: static lists and attribute rules.

Made with ``lrs people groups`` on each test database; read back through the
plugins' host (``host.group_members``), as attendance, competency and KPI plugins do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lrs.app import create_app
from lrs.runtime import Runtime
from lrs.services.group_rules import GroupRuleError, parse_rule
from lrs.settings import Settings
from lrs.xapi.errors import NotFound
from tests.people.test_people_import import HEADER, staff_csv
from tests.test_cli import lrs

assert lrs and staff_csv  # fixtures, used by name

STAFF = HEADER + (
    "E1,Ada,ada@example.com,,,Sales,E3,Berlin,Rep,2026-01-15,true,4711\n"
    "E2,Bob,bob@example.com,,,Sales,E3,Paris,Rep,2025-06-01,true,4711\n"
    "E3,Grace,grace@example.com,,,Sales,,Paris,Manager,2020-03-01,true,1000\n"
    "E4,Carl,carl@example.com,,,Ops,,Berlin,Clerk,2026-02-01,false,\n"
)


@pytest.fixture
def runtime(make_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    runtime = create_app(make_settings()).extensions["lrs"]
    yield runtime
    runtime.db.engine.dispose()


@pytest.fixture
def imported(lrs: Any, staff_csv: Any) -> None:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0


def members(runtime: Runtime, name: str) -> list[str]:
    people = runtime.host.group_members(1, name)
    # The keys-only view names the same people, in the same order, with the same agents.
    agents = runtime.host.group_member_agents(1, name)
    assert list(agents.items()) == [(person.id, person.agents) for person in people]
    return [person.id for person in people]


def test_a_rule_group_is_everyone_the_directory_matches(
    lrs: Any, imported: None, runtime: Runtime, staff_csv: Any,
) -> None:
    rule = "department = Sales AND hire_date >= 2026-01-01 OR location = Berlin"
    created = lrs("people", "groups", "create", "New in Sales", "--rule", rule)
    assert created.exit_code == 0, created.output
    assert members(runtime, "New in Sales") == ["E1", "E4"]
    # HR moves Bob to Berlin: the cohort follows the directory.
    assert lrs("people", "import", staff_csv(STAFF.replace("Rep,2025", "Rep,2025").replace(
        "Sales,E3,Paris,Rep", "Sales,E3,Berlin,Rep"))).exit_code == 0
    assert members(runtime, "New in Sales") == ["E1", "E2", "E4"]


def test_rules_on_custom_attributes_numbers_and_quoted_values(
    lrs: Any, imported: None, runtime: Runtime,
) -> None:
    assert lrs("people", "groups", "create", "cc", "--rule", "cost_center > 999").exit_code == 0
    assert members(runtime, "cc") == ["E1", "E2", "E3"]  # 4711 > 999 as numbers
    assert lrs("people", "groups", "create", "grace", "--rule",
               'display_name = "Grace" AND active = true').exit_code == 0
    assert members(runtime, "grace") == ["E3"]
    assert lrs("people", "groups", "create", "leavers", "--rule",
               "active != true").exit_code == 0
    assert members(runtime, "leavers") == ["E4"]


def test_a_static_group_lists_its_members(lrs: Any, imported: None, runtime: Runtime) -> None:
    assert lrs("people", "groups", "create", "Wardens").exit_code == 0
    added = lrs("people", "groups", "add", "Wardens", "E2", "E4")
    assert "Added 2 person(s) to 'Wardens' (0 already in it)." in added.stdout
    again = lrs("people", "groups", "add", "Wardens", "E4")
    assert "Added 0 person(s) to 'Wardens' (1 already in it)." in again.stdout
    assert members(runtime, "Wardens") == ["E2", "E4"]
    assert runtime.host.group_members(1, "Wardens")[0].agents[0]["mbox"] == (
        "mailto:bob@example.com")
    listed = json.loads(lrs("people", "groups", "list", "--json").stdout)
    assert listed == [{"name": "Wardens", "kind": "static", "rule": "", "members": 2}]
    shown = lrs("people", "groups", "members", "Wardens").stdout
    assert "E2" in shown and "Bob" in shown and "Ada" not in shown


def test_mistakes_get_one_clear_line(lrs: Any, imported: None) -> None:
    bad_rule = lrs("people", "groups", "create", "x", "--rule", "department Sales")
    assert bad_rule.exit_code == 1
    assert "rule: at character 1: expected `field operator value`" in bad_rule.output
    assert lrs("people", "groups", "create", "Wardens").exit_code == 0
    twice = lrs("people", "groups", "create", "Wardens")
    assert twice.exit_code == 1 and "already has a group named 'Wardens'" in twice.output
    unknown = lrs("people", "groups", "add", "Wardens", "E1", "E99")
    assert unknown.exit_code == 1 and "E99: not in the directory" in unknown.output
    assert lrs("people", "groups", "create", "r", "--rule", "active = true").exit_code == 0
    ruled = lrs("people", "groups", "add", "r", "E1")
    assert ruled.exit_code == 1 and "defined by its rule" in ruled.output
    missing = lrs("people", "groups", "members", "nope")
    assert missing.exit_code == 1 and "no group named 'nope'" in missing.output


def test_groups_are_per_store_and_unknown_ones_raise(runtime: Runtime, lrs: Any,
                                                      imported: None) -> None:
    assert lrs("tenants", "create", "acme").exit_code == 0
    assert lrs("people", "groups", "create", "--tenant", "acme", "all",
               "--rule", "active = true").exit_code == 0
    assert runtime.host.group_members(runtime.tenant_id("acme"), "all") == []
    assert runtime.host.group_member_agents(runtime.tenant_id("acme"), "all") == {}
    with pytest.raises(NotFound):
        runtime.host.group_members(1, "all")
    with pytest.raises(NotFound):
        runtime.host.group_member_agents(1, "all")


def test_member_agents_of_a_static_group_include_people_without_an_identity(
    lrs: Any, runtime: Runtime, staff_csv: Any,
) -> None:
    extra = ("E5,Dan,,,https://lms.example.com|dan,Ops,,Berlin,Clerk,,true,\n"
             "E6,Eve,,,,Ops,,Berlin,Clerk,,true,\n")
    assert lrs("people", "import", staff_csv(STAFF + extra)).exit_code == 0
    assert lrs("people", "groups", "create", "Ops").exit_code == 0
    assert lrs("people", "groups", "add", "Ops", "E6", "E5", "E1").exit_code == 0
    assert members(runtime, "Ops") == ["E1", "E5", "E6"]
    agents = runtime.host.group_member_agents(1, "Ops")
    assert {"objectType": "Agent", "mbox": "mailto:ada@example.com"} in agents["E1"]
    assert agents["E5"] == ({"objectType": "Agent", "account": {
        "homePage": "https://lms.example.com", "name": "dan"}},)
    assert agents["E6"] == ()


def test_erasure_takes_the_person_out_of_static_groups(lrs: Any, imported: None,
                                                       runtime: Runtime) -> None:
    assert lrs("people", "groups", "create", "Wardens").exit_code == 0
    assert lrs("people", "groups", "add", "Wardens", "E1", "E2").exit_code == 0
    assert lrs("people", "erase", "--yes", "--agent",
               '{"mbox": "mailto:ada@example.com"}').exit_code == 0
    assert members(runtime, "Wardens") == ["E2"]


@pytest.mark.parametrize(("rule", "message"), [
    ("", "the rule is empty"),
    ("a = b XOR c = d", "at character 7: expected AND or OR, got 'XOR'"),
    ("a = b AND", "at character 10: expected `field operator value`"),
    ("a ! b", "at character 3: cannot read"),
])
def test_unreadable_rules_say_where(rule: str, message: str) -> None:
    with pytest.raises(GroupRuleError, match=message):
        parse_rule(rule)
