"""Document resources: state, activity profile, agent profile."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
