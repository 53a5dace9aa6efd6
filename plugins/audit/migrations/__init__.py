"""Alembic version folder of the audit branch (a package so that wheels ship it)."""
