"""The JSONL export streams the catalogue (issue 27, part 4: an export of a million
products in flat memory), on SQLite and PostgreSQL: the products are read by one
keyset-ordered SELECT per stream executed with ``yield_per`` (on PostgreSQL a
server-side cursor, so the driver never holds the result), and their relations by a
fixed number of queries per batch of ``bulk_read.BATCH`` products — never a query per
product, never the whole catalogue in one result."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, insert

from app.services.access.actors import Actor
from app.services.exports import packages
from app.services.exports.plan import ExportRequest
from app.services.records import bulk_read
from archive.models import Product

OPERATOR = Actor(None, "kho-cli", "admin")
PRODUCTS = 2 * bulk_read.BATCH + 500            # three batches


def _catalogue(kho, count: int) -> None:
    start = datetime(2025, 1, 1, 3, tzinfo=timezone.utc)
    rows = [{"id": n, "title": f"Bản tin số {n}", "description": "", "tags": [],
             "suggestions": [], "rights_note": "", "access_level": "public",
             "status": "ready", "created_at": start + timedelta(minutes=n),
             "updated_at": start + timedelta(minutes=n)} for n in range(1, count + 1)]
    with kho.engine.begin() as conn:
        conn.execute(insert(Product.__table__), rows)
        if kho.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('products', 'id'), "
                                 f"{count})")


def test_the_export_streams_products_in_batches_with_bounded_queries(either_kho, tmp_path):
    kho = either_kho
    _catalogue(kho, PRODUCTS)
    seen: list[tuple[str, dict, str]] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, dict(context.execution_options), type(cursor).__name__))

    event.listen(kho.engine, "before_cursor_execute", note)
    try:
        result = packages.export(kho, OPERATOR, ExportRequest("jsonl", tmp_path / "all.jsonl"))
    finally:
        event.remove(kho.engine, "before_cursor_execute", note)
    assert result.count == PRODUCTS
    assert sum(1 for _ in open(tmp_path / "all.jsonl", encoding="utf-8")) == PRODUCTS

    streams = [(sql, options, cursor) for sql, options, cursor in seen
               if "FROM products" in sql and "ORDER BY" in sql]
    assert len(streams) == 2          # plain datestamps, embargo days: each read once
    for _sql, options, cursor in streams:
        assert options.get("yield_per") == bulk_read.BATCH
        if kho.engine.dialect.name == "postgresql":
            assert cursor == "ServerCursor"      # psycopg's named cursor: rows on demand
    batches = math.ceil(PRODUCTS / bulk_read.BATCH)
    per_batch = [sql for sql, _o, _c in seen if "IN (" in sql or "= ANY" in sql]
    assert batches <= len(per_batch) <= 8 * batches, len(per_batch)   # links, files…
    assert len(seen) <= 40 + 8 * batches, [s[:80] for s, _o, _c in seen]
