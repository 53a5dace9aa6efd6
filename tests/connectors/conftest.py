"""Fixtures of the built-in connector types' tests: applications on each backend
(those of tests/plugins, with the connectors' entry points loaded by name)."""

from __future__ import annotations

from tests.plugins.conftest import lrs_database_url, make_app

__all__ = ["lrs_database_url", "make_app"]
