"""WSGI entry point for any WSGI server: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from lrs.app import create_app

app = create_app()
