"""Compliance audit trail: every write and administrative action, hash-chained and signed.

Registered through the ``audit`` entry point of ``lrs.plugins``. The post-commit
hooks turn Weft's events into entries (:mod:`plugins.audit.entries`) appended to
a SHA-256 chain with Ed25519-signed checkpoints (:mod:`plugins.audit.chain`);
``lrs audit ...`` and ``/audit/...`` verify, export and report. See docs/audit.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lrs.plugin.hookspecs import Scope, hookimpl
from plugins.audit.entries import (
    admin_entry,
    document_entries,
    erased_statements_entry,
    statement_entries,
)
from plugins.audit.trail import trail_for

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.events import AdminActionTaken, DocumentsChanged, StatementsStored
    from lrs.plugin.host import AdminPage, Host


@hookimpl
def register_scopes() -> list[Scope]:
    return [
        Scope("audit/read", "Verify the audit trail and read compliance reports."),
        Scope("audit/export", "Export audit trail entries (CSV, JSON Lines, PDF)."),
    ]


@hookimpl
def register_migrations() -> list[Path]:
    return [Path(__file__).parent / "migrations"]


@hookimpl
def statements_stored(host: Host, event: StatementsStored, statements_json: list[str]) -> None:
    # The JSON text, not ``statements``: an entry needs a few fields and the text's
    # hash, and decoding only those costs a tenth of parsing the whole statement.
    trail_for(host).record_later(statement_entries(event, statements_json))


@hookimpl
def documents_changed(host: Host, event: DocumentsChanged) -> None:
    trail_for(host).record_later(document_entries(event))


@hookimpl
def admin_action_taken(host: Host, event: AdminActionTaken) -> None:
    trail_for(host).record_later([admin_entry(event)])


@hookimpl
def erase_person(host: Host, session: Session, tenant_id: int,
                 deleted_statement_ids: tuple[str, ...],
                 redacted_statement_ids: tuple[str, ...], dry_run: bool) -> None:
    # In the erasure's own transaction: which statements it deletes or redacts is
    # recorded if and only if it happens, so verification can tell it from tampering.
    if not dry_run and (deleted_statement_ids or redacted_statement_ids):
        trail_for(host).record_in(session, [erased_statements_entry(
            tenant_id, deleted_statement_ids, redacted_statement_ids)])


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    from plugins.audit.http import create_blueprint
    from plugins.audit.ui import create_ui_blueprint

    trail = trail_for(host)  # bad LRS_PLUGIN_AUDIT_* numbers stop start-up
    if host.delivers_events:  # appending entries signs: no key stops this process now
        trail.signer.public_pem()
    return [create_blueprint(host), create_ui_blueprint(host)]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.audit.ui import admin_pages

    return admin_pages()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.audit.cli import audit

    cli.add_command(audit)
