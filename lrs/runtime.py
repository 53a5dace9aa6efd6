"""What one application owns, kept in ``app.extensions["lrs"]`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from lrs.db import Database
from lrs.hooks import Hooks
from lrs.host import Host
from lrs.outbox import Outbox
from lrs.plugin_manager import PluginManager
from lrs.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    plugins: PluginManager
    #: What plugins are given (:mod:`lrs.host`).
    host: Host = field(init=False)
    #: Typed calls into the plugins (:mod:`lrs.hooks`).
    hooks: Hooks = field(init=False)
    #: Post-commit events waiting for plugins (:mod:`lrs.outbox`).
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        self.host = Host(self)
        self.hooks = Hooks(self.plugins, self.host)
        self.outbox = Outbox(self)


def current_runtime() -> Runtime:
    return current_app.extensions["lrs"]
