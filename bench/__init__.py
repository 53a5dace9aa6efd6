"""Benchmarks of a real Weft server: ``python -m bench`` (see bench/README.md).

Modules: ``generate`` (seeded realistic statements), ``server`` (database, credential,
gunicorn, /proc sampling), ``ingest`` (POST load), ``query`` (latency and memory) and
``bench_validate`` (micro-benchmark of statement validation).
"""
