"""Running the LRS under gunicorn, for ``lrs serve`` and for ``gunicorn.conf.py``.

:func:`gunicorn_options` is the one definition of the production defaults:
``gunicorn.conf.py`` loads it, and :class:`WeftServer` (``lrs serve``) adds the
command-line flags on top, so the two ways of starting Weft cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from lrs.process.heap import freeze_startup_objects
from lrs.process.receive_deadline import worker_class
from lrs.settings import Settings


def cpu_count() -> int:
    """CPUs this process may run on (container limits on affinity included)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers(settings: Settings) -> int:
    """1 on SQLite, whose single writer more processes would only queue behind; one
    per CPU on PostgreSQL, of :attr:`Settings.worker_threads` threads: a process's
    concurrent writes share one commit and one INSERT (group commit), so on 2 cores
    2 x 8 took about a fifth less CPU a single POST than 4 x 4 (bench/README.md,
    "gunicorn's workers and threads, again")."""
    return 1 if settings.is_sqlite else cpu_count()


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """Production gunicorn settings for ``settings`` (keys are gunicorn setting names)."""
    return {
        "bind": [settings.bind],
        # gthread, with a deadline on receiving each request (slow clients hold threads).
        "worker_class": worker_class(settings.receive_timeout_seconds,
                                     settings.receive_min_bytes_per_second),
        "workers": settings.workers or default_workers(settings),
        "threads": settings.worker_threads,
        # Heartbeat files on tmpfs: a disk-backed /tmp can stall workers into timeouts.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        # No control socket in $HOME: nothing outside the process manager steers workers.
        "control_socket_disable": True,
        # Build the app (and auto-migrate) once in the master, not racing in each worker.
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then, staggered so they never restart together.
        "max_requests": 10_000,
        "max_requests_jitter": 1_000,
        # The app writes the access log itself (request id, credential key, duration).
        "accesslog": None,
        "logger_class": WeftLogger,
        "loglevel": settings.log_level.lower(),
        "logconfig_dict": gunicorn_logging(settings),
        "when_ready": log_listeners,
        # Each worker, once the app is loaded: keep the collector off start-up's objects.
        "post_worker_init": freeze_worker_heap,
    }


def gunicorn_logging(settings: Settings) -> dict[str, Any]:
    """gunicorn's own messages through Weft's handler: same format, same redaction."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {
                "level": settings.log_level.upper(),
                "handlers": ["lrs"],
                "propagate": False,
            },
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
        "handlers": {
            "lrs": {"()": "lrs.logging.make_handler", "log_format": settings.log_format},
        },
    }


class WeftLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, which builds its own access-log record only when asked to.

    Weft writes the access log itself (:mod:`lrs.logging`). Given a
    ``logconfig_dict``, gunicorn still assembled its record for every request (a
    dozen atoms, headers included) for a ``gunicorn.access`` logger that drops it:
    3.5 % of a worker's CPU under single-statement POSTs (``python -m
    bench.requests --profile``). An ``accesslog`` or ``syslog`` an operator sets
    in ``gunicorn.conf.py`` still gets gunicorn's record (``statsd_host`` alone no
    longer picks gunicorn's Statsd logger: set ``logger_class`` to it too).
    """

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.cfg.accesslog or self.cfg.syslog:
            super().access(resp, req, environ, request_time)


def log_listeners(server: Any) -> None:
    """``when_ready`` hook: log where the LRS answers (the real port when bound to 0)."""
    for listener in server.LISTENERS:
        server.log.info("Weft LRS listening on %s/xapi", listener)


def freeze_worker_heap(worker: Any) -> None:
    """``post_worker_init`` hook: the worker has loaded the app (see :mod:`lrs.process.heap`)."""
    freeze_startup_objects()


class WeftServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with :func:`gunicorn_options` plus ``overrides``, serving ``load_app()``.

    ``load_app`` runs in the master when ``preload_app`` is on, and in each worker
    otherwise (``--reload``: workers must import the application code afresh).
    """

    def __init__(
        self,
        settings: Settings,
        load_app: Callable[[], Any],
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.options = {**gunicorn_options(settings), **(overrides or {})}
        self.load_app = load_app
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if value is not None:
                self.cfg.set(name, value)

    def load(self) -> Any:
        return self.load_app()
