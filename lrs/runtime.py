"""What one application owns, kept in ``app.extensions["lrs"]`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from lrs.db import Database
from lrs.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database


def current_runtime() -> Runtime:
    return current_app.extensions["lrs"]
