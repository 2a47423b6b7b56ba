"""Race counts on any checkout of Kho, for a before/after comparison (issue 12):

    git worktree add /tmp/kho-before 551eccf     # the tree before issue 12
    .venv/bin/python benchmarks/race_counts.py /tmp/kho-before
    .venv/bin/python benchmarks/race_counts.py .

Uses only what both trees have (``receive``, the API's PATCH): 3 rounds of 20 threads
uploading the same bytes to one product (File rows beyond one), then 50 parallel title
PATCHes and 30 parallel language/theme PATCHes of one product (answers >= 500, audit
records whose "old" is not the "new" of the record before). SQLite, then PostgreSQL
at 127.0.0.1:5432 when it answers.
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select


def patch_race(api, pid: int, bodies: list[dict]) -> list[int]:
    """PATCH ``bodies`` to product ``pid`` from as many threads at once; statuses."""
    barrier = threading.Barrier(len(bodies))
    auth = {"Authorization": f"Bearer {api.tokens['producer']}"}

    def patch(body: dict) -> int:
        client = api.app.test_client()
        barrier.wait(timeout=60)
        return client.patch(f"/api/v1/products/{pid}", json=body, headers=auth).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(patch, bodies))


def stale_olds(changes: list[dict]) -> int:
    """Audit records (``changes`` dicts, oldest first) whose "old" value of a field is
    not the "new" value the record before wrote."""
    stale, last = 0, {}
    for change in changes:
        for field, (old, new) in change.items():
            stale += field in last and last[field] != old
            last[field] = new
    return stale


def uploads(api) -> int:
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from archive.models import File

    who, extra = actor_by_name(api.kho, "producer"), 0
    for _ in range(3):
        pid = api.create()["id"]
        data, barrier = os.urandom(8000), threading.Barrier(20)

        def upload(_i: int) -> None:
            barrier.wait(timeout=60)
            receive(api.kho, who, pid, io.BytesIO(data), "tin.bin")

        with ThreadPoolExecutor(20) as pool:
            list(pool.map(upload, range(20)))
        with api.kho.transaction() as s:
            extra += len(list(s.scalars(select(File.id).where(File.product_id == pid)))) - 1
    return extra


def edits(api) -> tuple[int, int]:
    from archive.models import ProductChange

    pid = api.create(title="T0")["id"]

    def race(bodies: list[dict]) -> list[int]:
        return patch_race(api, pid, bodies)

    languages = [["vie"], ["vie", "bdq"], ["sed"], ["bdq", "sed"], ["vie", "sed"]]
    themes = [["intl-law"], ["policy-law", "achievements"], []]
    statuses = race([{"title": f"T{i}"} for i in range(1, 51)])
    statuses += race([{"languages": languages[i % 5], "themes": themes[i % 3]}
                      for i in range(30)])
    with api.kho.transaction() as s:
        changes = [c.changes for c in s.scalars(select(ProductChange).where(
            ProductChange.product_id == pid, ProductChange.action == "update")
            .order_by(ProductChange.id))]
    return sum(s >= 500 for s in statuses), stale_olds(changes)


def main() -> None:
    tree = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    sys.path.insert(0, tree)
    os.chdir(tree)
    from tests import services
    from tests.conftest import make_settings
    from tests.unit.api.conftest import build_api

    print(f"tree {tree}")
    print("| database | extra File rows (60 uploads) | answers >= 500 (80 PATCHes) | stale audit olds |")
    print("|---|---:|---:|---:|")
    for kind in ("sqlite", "postgresql"):
        urls = None
        if kind == "postgresql":
            if not services.reachable(services.PG_HOST, services.PG_PORT):
                print("| postgresql | not reachable | | |")
                continue
            urls = services.postgres_database()
        extra = {"database_url": next(urls)} if urls else {}
        api = next(build_api(make_settings(tempfile.mkdtemp(prefix="kho-race-") + "/i",
                                           queue_url="", **extra)))
        try:
            rows = uploads(api)
            errors, stale = edits(api)
            print(f"| {kind} | {rows} | {errors} | {stale} |", flush=True)
        finally:
            api.kho.close()
            if urls:
                urls.close()


if __name__ == "__main__":
    main()
