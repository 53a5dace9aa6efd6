"""Alembic version folder of the outbound queue branch (a package so that wheels ship it)."""
