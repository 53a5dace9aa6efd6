"""Benchmarks of a real Weft server: ``python -m bench`` (see bench/README.md).

Modules: ``generate`` (seeded realistic statements), ``server`` (database, credential,
gunicorn, /proc sampling), ``ingest`` (the load generator), ``query`` (latency and
memory), ``bench_validate`` (micro-benchmark of statement validation), ``audit``
(the audit plugin's cost), ``people`` (the people directory) and ``requests``
(per-request cost beside the ceilings of ``raw`` and ``noop``, profiles by ``pyspy``).
"""
