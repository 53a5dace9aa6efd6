"""An example Weft plugin, complete and small: the shape docs/plugins.md describes.

It refuses statements with one verb (``check_statements``), remembers every
stored statement's verb in a table of its own (``statements_stored`` and an
Alembic branch), serves the counts behind a scope of its own
(``register_scopes``, ``register_blueprints``), adds a command that uses the
host (``register_commands``, ``current_host``), offers a KPI metric
(``register_metrics``) and a connector type (``register_connector_types``),
and forgets what it saw of a person who is erased (``erase_person``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Blueprint, jsonify
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lrs.plugin.connectors import ConnectorType
from lrs.plugin.events import StatementsStored
from lrs.plugin.hookspecs import ErrorDetail, Scope, hookimpl
from lrs.plugin.host import Host, current_host
from lrs.plugin.metrics import Metric
from weft_example.connectors import ROSTER
from weft_example.metrics import COMPLETIONS_PER_ACTIVITY
from weft_example.models import SeenStatement

FORBIDDEN_VERB = "https://example.com/verbs/forbidden"


@hookimpl
def register_scopes() -> list[Scope]:
    return [Scope("example/read", "Read the example plugin's verb counts.")]


@hookimpl
def register_metrics() -> list[Metric]:
    return [COMPLETIONS_PER_ACTIVITY]


@hookimpl
def register_connector_types() -> list[ConnectorType]:
    return [ROSTER]


@hookimpl
def register_migrations() -> list[Path]:
    return [Path(__file__).parent / "migrations"]


@hookimpl
def check_statements(statements: list[dict[str, Any]]) -> list[ErrorDetail]:
    return [
        ErrorDetail(f"$[{index}].verb.id", "this LRS does not accept the forbidden verb")
        for index, statement in enumerate(statements)
        if statement["verb"]["id"] == FORBIDDEN_VERB
    ]


@hookimpl
def statements_stored(
    host: Host, event: StatementsStored, statements: list[dict[str, Any]]
) -> None:
    # merge() makes a redelivered event harmless: delivery is at least once.
    with host.write() as session:
        for statement in statements:
            session.merge(SeenStatement(tenant_id=event.tenant_id, statement_id=statement["id"],
                                        verb_id=statement["verb"]["id"]))


@hookimpl
def erase_person(session: Session, tenant_id: int, deleted_statement_ids: tuple[str, ...],
                 dry_run: bool) -> dict[str, int]:
    # The rows of the person's statements go with them, in Weft's transaction
    # (``session``). Rows of redacted statements hold only a verb: they stay.
    erased = 0
    for start in range(0, len(deleted_statement_ids), 500):  # a bound parameter per id
        mine = (SeenStatement.tenant_id == tenant_id,
                SeenStatement.statement_id.in_(deleted_statement_ids[start:start + 500]))
        if dry_run:
            erased += session.scalar(select(func.count()).select_from(SeenStatement)
                                     .where(*mine)) or 0
        else:
            erased += session.execute(delete(SeenStatement).where(*mine)).rowcount
    return {"seen_statements": erased}


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    blueprint = Blueprint("example", __name__, url_prefix="/plugins/example")

    @blueprint.get("/verbs")
    @host.requires("example/read")
    def verb_counts() -> Any:
        with host.read() as session:
            counts = session.execute(
                select(SeenStatement.verb_id, func.count()).group_by(SeenStatement.verb_id)
            ).all()
            return jsonify(dict(counts))

    return [blueprint]


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("example-forbidden-verb")
    def forbidden_verb() -> None:
        """Print the verb the example plugin refuses."""
        click.echo(FORBIDDEN_VERB)

    @cli.command("example-verbs")
    def verbs() -> None:
        """Print how many stored statements the example plugin saw."""
        with current_host().read() as session:
            click.echo(session.scalar(select(func.count()).select_from(SeenStatement)))
