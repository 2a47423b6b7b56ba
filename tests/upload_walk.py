"""What one upload request costs the database and the rules, for the web and API tests
of the upload walk (request -> ``intake.open_upload`` -> ``intake.receive_into``):
the SELECTs that read the products table, and the ``file.upload`` checks."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import event

_READS_PRODUCTS = re.compile(r"^\s*SELECT\b.*\b(FROM|JOIN)\s+products\b",
                             re.IGNORECASE | re.DOTALL)


@dataclass
class Walk:
    product_selects: list[str] = field(default_factory=list)   # SQL of each
    upload_checks: int = 0                                    # Actor.require("file.upload")


@contextmanager
def watched(kho, monkeypatch) -> Iterator[Walk]:
    """Count, inside the block, the SELECT statements on ``products`` sent through the
    instance's engine (SQLAlchemy's ``before_cursor_execute``) and the checks of
    ``file.upload``. Jobs must not run in the request (``queue_url=""``: a worker
    runs them elsewhere), so what is counted is the request's own work."""
    from app.services.access.actors import Actor

    walk = Walk()
    real_require = Actor.require

    def require(actor, action: str) -> None:
        if action == "file.upload":
            walk.upload_checks += 1
        real_require(actor, action)

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if _READS_PRODUCTS.match(statement):
            walk.product_selects.append(statement)

    monkeypatch.setattr(Actor, "require", require)
    event.listen(kho.engine, "before_cursor_execute", before)
    try:
        yield walk
    finally:
        event.remove(kho.engine, "before_cursor_execute", before)
        monkeypatch.setattr(Actor, "require", real_require)
