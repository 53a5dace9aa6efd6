"""Concurrent batches that share activities must all be stored (no deadlock 500s)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from tests.http.statement_helpers import make_statement

ACTIVITIES = [f"http://example.com/activities/shared-{n}" for n in range(40)]


def test_concurrent_batches_sharing_new_activities_are_all_stored(
    app: Flask, headers: dict[str, str]
) -> None:
    def post_batches(seed: int) -> list[int]:
        order = ACTIVITIES[:]
        random.Random(seed).shuffle(order)
        client = app.test_client()
        statuses = []
        for round_ in range(3):
            batch = [make_statement(activity=iri, mbox=f"mailto:t{seed}r{round_}@example.com")
                     for iri in order]
            statuses.append(client.post("/xapi/statements", json=batch,
                                        headers=headers).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for result in pool.map(post_batches, range(8)) for status in result]

    assert statuses == [200] * 24
    count = app.test_client().get(
        "/xapi/statements", query_string={"activity": ACTIVITIES[0], "limit": 100},
        headers=headers,
    ).get_json()["statements"]
    assert len(count) == 24
