"""Configuration changes reach the audit trail: each process compares its configuration at start.

Weft's configuration is its ``LRS_*`` environment and the plugins installed, so
it changes when someone edits a unit file or upgrades a package, outside of
Weft. Part 11-style audit trails (21 CFR §11.10(e)) still want those changes
with who, when, from where, and before/after. So a serving application
(``create_app``: ``lrs serve``, each gunicorn worker) calls
:func:`record_configuration`: in one short write transaction it locks the
store's single :class:`~lrs.models.ConfigurationState` row, compares the
configuration in force with the one recorded there and, when they differ (or
nothing is recorded yet), stores the new one, appends a
:class:`~lrs.models.ConfigurationChange` and announces an
:class:`~lrs.plugin.events.AdminActionTaken` (``configuration.recorded`` the first
time, then ``configuration.changed``) with only the changed keys in
``details["before"]`` / ``details["after"]``. Workers and commands starting
together queue on that row lock (``SELECT ... FOR UPDATE`` on PostgreSQL, the
``BEGIN IMMEDIATE`` writer lock on SQLite), so a change is recorded once, and a
change back is a change again (A → B → A records twice).

Only servers record: the deployment's configuration is what its server runs
with. An ``lrs`` command (``create_app(role="command")``, or ``"worker"``) runs in whatever
environment an operator's shell has, which may lack a ``LRS_PLUGIN_*``
variable or set another log level; recording it would log a change nobody made
to the deployment, and the next server start the change back.

What counts as configuration: every :class:`~lrs.settings.Settings` field but
:data:`PER_PROCESS_SETTINGS`, every ``LRS_PLUGIN_*`` variable and every loaded
plugin with its distribution and version (``plugin:<name>``). Secrets are only
fingerprints (:mod:`lrs.masking`). Per-process settings say how one process
runs, not what the store does with its data or who may reach it, and they
legitimately differ between processes of one deployment; recording them would
make every ``lrs`` command and the next server start record a change and its
reversal:

* ``LRS_DATABASE_URL``: the record lives in that very database, and the URL
  only says how this process reaches it (an operator's shell and a worker may
  name the host differently, ``lrs --database`` overrides it). Another
  database has its own record.
* ``LRS_AUTO_MIGRATE``: whether this process migrates; ``lrs db upgrade``
  forces it. Schema versions are Alembic's record.
* ``LRS_OUTBOX_INLINE``: which processes deliver events (the server's threads
  or ``lrs worker`` beside it); ``lrs`` commands never do, whatever it says.
* ``LRS_LOG_LEVEL``, ``LRS_LOG_FORMAT``: how this process reports.
* ``LRS_BIND``, ``LRS_WORKERS``, ``LRS_THREADS``: how ``lrs serve`` listens;
  ``--host``/``--port``/``--workers`` override them.

An unmigrated database (``LRS_AUTO_MIGRATE=false`` before ``lrs db upgrade``),
a lock held too long (:data:`LOCK_TIMEOUT` on PostgreSQL, SQLite's busy
timeout), or any other database error only logs a warning: start-up is never
blocked by its own audit, and the next start records what this one could not.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lrs.masking import mask
from lrs.models import ConfigurationChange, ConfigurationState
from lrs.models.configuration import CONFIGURATION_STATE_ID
from lrs.plugin.host import PLUGIN_CONFIG_PREFIX
from lrs.process.identity import os_user
from lrs.services.admin import announce_action
from lrs.store.bulk import dialect_insert

if TYPE_CHECKING:
    from lrs.machinery.manager import PluginManager
    from lrs.services.core import Core
    from lrs.settings import Settings

logger = logging.getLogger("lrs.configuration")

#: Settings that belong to one process, not to the store (see the module docstring).
PER_PROCESS_SETTINGS = frozenset({
    "database_url", "auto_migrate", "outbox_inline", "log_level", "log_format",
    "bind", "workers", "threads", "receive_timeout_seconds", "receive_min_bytes_per_second",
})
#: The ``action`` of the first record, and of every later change.
RECORDED, CHANGED = "configuration.recorded", "configuration.changed"
#: ``target`` and ``actor`` of both: the store's configuration, noticed by Weft itself.
TARGET, ACTOR = "configuration", "system"
#: How long a starting PostgreSQL process waits for another's record before giving up.
LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class Item:
    """One line of the configuration in force, masked."""

    #: ``LRS_<SETTING>``, ``LRS_PLUGIN_<NAME>_<KEY>`` or ``plugin:<name>``.
    name: str
    value: Any
    #: False for :data:`PER_PROCESS_SETTINGS`: shown, never recorded.
    recorded: bool


def describe(settings: Settings, plugins: PluginManager, *, salt: str | None,
             environ: Mapping[str, str] | None = None) -> list[Item]:
    """Every setting, ``LRS_PLUGIN_*`` variable and loaded plugin, secrets masked.

    :param salt: the store's fingerprint key (:attr:`ConfigurationState.salt`);
        ``None`` shows secrets as ``*** (set)`` without fingerprints.
    :param environ: where ``LRS_PLUGIN_*`` variables are read (``os.environ``, as
        :meth:`lrs.plugin.host.Host.plugin_config` reads them).
    """
    environ = os.environ if environ is None else environ
    items = []
    for setting in fields(settings):
        name = f"LRS_{setting.name.upper()}"
        items.append(Item(name, mask(name, getattr(settings, setting.name), salt),
                          setting.name not in PER_PROCESS_SETTINGS))
    items += [Item(name, mask(name, value, salt), True) for name, value in sorted(environ.items())
              if name.startswith(PLUGIN_CONFIG_PREFIX)]
    items += [Item(f"plugin:{info.name}", info.distribution or "registered in code", True)
              for info in plugins.list_plugins()]
    return items


def shown_configuration(core: Core) -> list[Item]:
    """What ``lrs config show`` and the web UI's Configuration page both show (masked)."""
    return describe(core.settings, core.plugins, salt=stored_salt(core))


def configuration_in_force(core: Core, salt: str | None) -> dict[str, Any]:
    """What is recorded: ``{name: masked value}`` of the items that count (:func:`describe`)."""
    return {item.name: item.value
            for item in describe(core.settings, core.plugins, salt=salt) if item.recorded}


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose values differ, with their values on each side (``None`` where absent)."""
    absent = object()
    keys = sorted(key for key in before.keys() | after.keys()
                  if before.get(key, absent) != after.get(key, absent))
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def process_source() -> dict[str, str]:
    """``{"host", "pid", "user", "process"}``: the process that noticed the configuration.

    Nobody acts through Weft when an environment variable changes; the process
    that started with it, its machine and OS user are what can be told.
    """
    path = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("python")
    program = path.parent.name if path.name == "__main__.py" else path.name  # python -m x
    return {"host": socket.gethostname(), "pid": str(os.getpid()), "user": os_user(),
            "process": program}


def record_configuration(core: Core, *, source: dict[str, str] | None = None
                         ) -> ConfigurationChange | None:
    """Record the configuration in force if it differs from the last one recorded.

    :param source: where the record comes from; :func:`process_source` by default.
    :returns: the change recorded, or ``None`` when nothing changed or the
        database could not take the record (a warning is logged).
    """
    try:
        with core.db.write() as session:
            return _record(core, session, source or process_source())
    except (SQLAlchemyError, ValueError) as exc:  # ValueError: a record that is not JSON
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        logger.warning("configuration not recorded in the audit trail (run `lrs db upgrade` "
                       "if the database is not migrated yet): %s", reason)
        return None


def _record(core: Core, session: Session, source: dict[str, str]
            ) -> ConfigurationChange | None:
    state = _locked_state(session)
    current = configuration_in_force(core, state.salt)
    recorded = None if state.configuration is None else json.loads(state.configuration)
    if recorded == current:
        return None
    before, after = ({}, current) if recorded is None else changed_keys(recorded, current)
    now = time.time_ns() // 1000
    action = RECORDED if recorded is None else CHANGED
    state.configuration = json.dumps(current, sort_keys=True)
    state.recorded_us = now
    change = ConfigurationChange(recorded_us=now, action=action, actor=ACTOR,
                                 source=json.dumps(source), before=json.dumps(before),
                                 after=json.dumps(after))
    session.add(change)
    details = {"after": after} if recorded is None else {"before": before, "after": after}
    announce_action(core, session, actor=ACTOR, action=action, target=TARGET,
                    details=details, source=source, occurred_us=now, wake=False)
    if recorded is not None:  # the first record is no news worth a line on every fresh store
        logger.info("configuration changed: %s", ", ".join(after))
    return change


def _locked_state(session: Session) -> ConfigurationState:
    """The store's state row, locked until the transaction ends (created on first use)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    locked = (select(ConfigurationState)
              .where(ConfigurationState.id == CONFIGURATION_STATE_ID).with_for_update())
    state = session.scalars(locked).one_or_none()
    if state is None:
        # Processes racing to create it: one inserts, the others wait for it and skip.
        session.execute(dialect_insert(session, ConfigurationState)
                        .values(id=CONFIGURATION_STATE_ID, salt=secrets.token_hex(16))
                        .on_conflict_do_nothing())
        state = session.scalars(locked).one()
    return state


def stored_salt(core: Core) -> str | None:
    """The store's fingerprint key, or ``None`` before the first record (or migration)."""
    try:
        with core.db.read() as session:
            return session.scalar(select(ConfigurationState.salt)
                                  .where(ConfigurationState.id == CONFIGURATION_STATE_ID))
    except SQLAlchemyError:
        return None


def differing_from_record(core: Core) -> list[str]:
    """The recorded items this process's configuration gives another value (or lacks).

    ``lrs config show`` names them: a command run without the server's
    environment behaves differently from the server, though nothing is recorded.
    """
    try:
        with core.db.read() as session:
            state = session.get(ConfigurationState, CONFIGURATION_STATE_ID)
            if state is None or state.configuration is None:
                return []
            recorded, salt = json.loads(state.configuration), state.salt
    except SQLAlchemyError:  # not migrated yet: nothing recorded either
        return []
    return list(changed_keys(recorded, configuration_in_force(core, salt))[0])


def recorded_changes(core: Core) -> list[ConfigurationChange]:
    """Every recorded configuration and change, oldest first (``lrs config history``)."""
    with core.db.read() as session:
        return list(session.scalars(select(ConfigurationChange).order_by(ConfigurationChange.id)))
