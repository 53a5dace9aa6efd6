"""``lrs`` commands that change or export data announce it to installed plugins.

A recording plugin is installed through its entry point, as after ``pip install``,
so the commands load it exactly as a production deployment would; the events
reach it only through ``lrs worker``, since commands never deliver themselves.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect

from lrs.cli import cli
from lrs.plugin.events import AdminActionTaken, Event, StatementsStored
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY

EXAMPLE = Path(__file__).parent / "example_plugin"
REFUSED_VERB = "https://example.com/verbs/refused-by-recorder"

RECORDER = f'''
from lrs.plugin.hookspecs import ErrorDetail, hookimpl

EVENTS = []

@hookimpl
def check_statements(statements):
    return [ErrorDetail(f"$[{{i}}].verb.id", "refused by the recorder")
            for i, s in enumerate(statements) if s["verb"]["id"] == "{REFUSED_VERB}"]

@hookimpl
def statements_stored(event):
    EVENTS.append(event)

@hookimpl
def admin_action_taken(event):
    EVENTS.append(event)
'''


@pytest.fixture
def recorder(install_distribution: Callable[..., Path]) -> Iterator[Callable[[], list[Event]]]:
    """Install the recorder; the result returns every event delivered to it so far (but
    configuration records, which only servers make: see
    :func:`test_commands_never_record_the_configuration`)."""
    install_distribution("weft-recorder", {"recorder": "weft_recorder"},
                         modules={"weft_recorder": RECORDER})

    def delivered() -> list[Event]:
        events = sys.modules["weft_recorder"].EVENTS if "weft_recorder" in sys.modules else []
        return [e for e in events if getattr(e, "target", None) != "configuration"]

    yield delivered
    sys.modules.pop("weft_recorder", None)


@pytest.fixture
def lrs(database_url: str) -> Callable[..., Result]:
    # Installed plugins (the audit trail) stay out: only the recorder listens.
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "false",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", database_url, *args], input=input)

    return run


def statement(number: int, verb: str = "http://adlnet.gov/expapi/verbs/completed") -> str:
    return json.dumps({"id": str(uuid.UUID(int=number)), "verb": {"id": verb},
                       "actor": {"mbox": f"mailto:learner{number}@example.com"},
                       "object": {"id": "http://example.com/activities/one"}}) + "\n"


def work(lrs: Callable[..., Result]) -> str:
    result = lrs("worker", "--once")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_credentials_create_and_revoke_announce_admin_actions_without_the_secret(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    made = lrs("credentials", "create", "--name", "lms", "--scope", "all", "--json")
    assert made.exit_code == 0, made.output
    issued = json.loads(made.stdout)
    assert lrs("credentials", "revoke", issued["key"]).exit_code == 0
    assert recorder() == []  # nothing delivered by the commands themselves
    assert not [t for t in threading.enumerate() if t.name == "lrs-outbox"]

    # No configuration record: commands make none.
    assert work(lrs) == "Processed 2 event(s); ran 0 connector(s).\n"
    created, revoked = recorder()
    assert isinstance(created, AdminActionTaken) and isinstance(revoked, AdminActionTaken)
    assert (created.action, revoked.action) == ("credential.created", "credential.revoked")
    assert created.target == revoked.target == f"credential:{issued['key']}"
    assert created.actor.startswith("cli:") and revoked.actor == created.actor
    assert created.details == {"name": "lms", "scopes": ["all"],
                               "authority": issued["authority"]}
    assert created.tenant_id == revoked.tenant_id == 1
    assert issued["secret"] not in created.to_json() + revoked.to_json()


def test_commands_name_the_os_user_and_host_as_the_events_source(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    assert lrs("credentials", "create", "--name", "lms", "--scope", "all").exit_code == 0
    assert lrs("statements", "import", "-", input=statement(1)).exit_code == 0
    work(lrs)
    created, imported = recorder()
    expected = {"cli": f"{getpass.getuser()}@{socket.gethostname()}"}
    assert isinstance(created, AdminActionTaken) and created.source == expected
    assert isinstance(imported, StatementsStored) and imported.source == expected


def test_credentials_revoke_of_an_unknown_key_announces_nothing(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    assert lrs("credentials", "revoke", "no-such-key").exit_code == 1
    assert work(lrs) == "Processed 0 event(s); ran 0 connector(s).\n"
    assert recorder() == []


def test_statements_import_checks_and_announces_each_batch(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    imported = lrs("statements", "import", "-", "--batch-size", "2",
                   input=statement(1) + statement(2) + statement(3))
    assert imported.exit_code == 0, imported.output
    refused = lrs("statements", "import", "-",
                  input=statement(4) + "\n" + statement(5, verb=REFUSED_VERB))
    assert refused.exit_code == 1
    assert "line 3: refused by the recorder" in refused.stderr

    assert work(lrs) == "Processed 2 event(s); ran 0 connector(s).\n"
    batches = recorder()
    assert all(isinstance(e, StatementsStored) and e.credential_id is None for e in batches)
    assert [list(e.statement_ids) for e in batches] == [  # type: ignore[attr-defined]
        [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))], [str(uuid.UUID(int=3))]]


def test_commands_never_record_the_configuration(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    """The deployment's configuration is its server's: commands, worker included, record none."""
    assert lrs("credentials", "list").exit_code == 0
    work(lrs)
    assert not [e for e in sys.modules["weft_recorder"].EVENTS
                if isinstance(e, AdminActionTaken) and e.target == "configuration"]
    history = lrs("config", "history")
    assert history.stdout.startswith("No configuration recorded yet")


def test_statements_export_announces_its_filters_and_count(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    assert lrs("statements", "import", "-", input=statement(1) + statement(2)).exit_code == 0
    work(lrs)
    exported = lrs("statements", "export", "--since", "2000-01-01T00:00:00Z")
    assert exported.exit_code == 0, exported.output
    assert len(exported.stdout.splitlines()) == 2

    assert work(lrs) == "Processed 1 event(s); ran 0 connector(s).\n"
    event = recorder()[-1]
    assert isinstance(event, AdminActionTaken)
    assert (event.action, event.target, event.tenant_id) == ("statements.exported",
                                                            "statements", 1)
    assert event.actor.startswith("cli:")
    assert event.details == {"since_us": 946_684_800_000_000, "until_us": None, "count": 2,
                             "complete": True}


def test_db_upgrade_applies_installed_plugins_migration_branches(
    install_distribution: Callable[..., Path], fresh_database_url: str,
) -> None:
    install_distribution("weft-example-plugin", {"example": "weft_example"}, path=EXAMPLE)
    result = CliRunner(env={"LRS_AUTO_MIGRATE": "false", "LRS_SECRET_KEY": TEST_SECRET_KEY,
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS}
                       ).invoke(cli, ["--database", fresh_database_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(fresh_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"example_seen_statements", "statements", "outbox_events"} <= tables


def test_tenants_create_and_grants_in_a_tenant_announce_in_that_tenant(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    assert lrs("tenants", "create", "acme").exit_code == 0
    for command in (("credentials", "create"), ("oauth", "clients", "create")):
        made = lrs(*command, "--tenant", "acme", "--name", "lms", "--scope", "all", "--json")
        assert made.exit_code == 0, made.output
    assert work(lrs) == "Processed 3 event(s); ran 0 connector(s).\n"
    tenant, credential, client = recorder()
    assert isinstance(tenant, AdminActionTaken)
    assert (tenant.action, tenant.target) == ("tenant.created", "tenant:acme")
    assert tenant.details == {"id": tenant.tenant_id, "name": "acme"}
    assert tenant.tenant_id != 1 and tenant.actor.startswith("cli:")
    assert tenant.source is not None and "cli" in tenant.source
    assert [e.action for e in (credential, client)] == ["credential.created",
                                                        "oauth_client.created"]
    assert credential.tenant_id == client.tenant_id == tenant.tenant_id


def test_people_erase_announces_person_erased_once_with_a_pseudonym_only(
    recorder: Callable[[], list[Event]], lrs: Callable[..., Result],
) -> None:
    agent = json.dumps({"mbox": "mailto:learner1@example.com"})
    assert lrs("statements", "import", "-", input=statement(1) + statement(2)).exit_code == 0
    assert lrs("people", "erase", "--agent", agent, "--dry-run").exit_code == 0
    erased = lrs("people", "erase", "--agent", agent, "--yes")
    assert erased.exit_code == 0, erased.output
    work(lrs)
    [event] = [e for e in recorder() if isinstance(e, AdminActionTaken)]
    expected = hashlib.sha256(b"mbox:mailto:learner1@example.com").hexdigest()
    assert (event.action, event.target) == ("person.erased", f"person:sha256:{expected}")
    assert event.details == {"statements_deleted": 1, "statements_redacted": 0,
                             "state_documents": 0, "agent_profiles": 0, "attachments": 0,
                             "people": 0, "notifications": 0, "notifications_redacted": 0,
                             "notification_subscriptions": 0}
    assert event.actor.startswith("cli:") and event.source == {
        "cli": f"{getpass.getuser()}@{socket.gethostname()}"}
    assert "learner1" not in event.to_json()
