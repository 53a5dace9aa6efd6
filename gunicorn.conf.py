"""Production gunicorn configuration: ``gunicorn -c gunicorn.conf.py wsgi:app``.

The defaults live in :func:`lrs.process.gunicorn.gunicorn_options`, shared with
``lrs serve``: gthread workers (``LRS_WORKERS``, default 1 on SQLite and one per CPU
on PostgreSQL) with ``LRS_THREADS`` threads (default 8 on SQLite, 16 on PostgreSQL)
and a deadline on receiving each request (``LRS_RECEIVE_TIMEOUT_SECONDS``), bound to
``LRS_BIND``; app preloaded so auto-migration runs once; heartbeat files in
/dev/shm; control socket disabled; JSON logs on stderr; graceful shutdown within 30 s;
workers recycled after about 10,000 requests. See docs/deploy.md. Assign a gunicorn
setting below the ``globals().update`` line to override one for a deployment.
"""

from lrs.process.gunicorn import gunicorn_options
from lrs.settings import Settings

globals().update(gunicorn_options(Settings.from_env()))
