"""Adding counts to the summary cells in bulk (:mod:`archive.stats`), month cells and
their sums per year and over every month (``stats_year_cells``) together.

A fold writes tens of thousands of cells; through the ORM or a compiled Core statement,
building the parameters of each row cost more than the database's work (2.3 of 5.8 s
for 10,000 products). So the one upsert is written out once per dialect and handed to
the driver's ``executemany`` with plain tuples.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sqlalchemy.orm import Session

from app.services.stats.contributions import COUNT_COLUMNS
from archive.stats import ALL_YEARS

def _statement(table: str, period: str, placeholder: str) -> str:
    key = ("part", period, "dim", "key")
    columns = key + COUNT_COLUMNS
    values = ", ".join([placeholder] * len(columns))
    additions = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNT_COLUMNS)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {additions}")


def year_rows(rows: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The month rows (part, month, dim, key, *counts) summed per year (``yyyy``) and
    over every month (year :data:`archive.stats.ALL_YEARS`): the ``stats_year_cells``
    rows they add to."""
    sums: dict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0] * 7)
    for part, month, dim, key, *counts in rows:
        for year in (month // 100, ALL_YEARS):
            acc = sums[(part, year, dim, key)]
            for i, n in enumerate(counts):
                acc[i] += n
    return [(*cell, *counts) for cell, counts in sums.items() if any(counts)]


def add_to_cells(session: Session, rows: Sequence[tuple[int, ...]]) -> None:
    """Add each row's seven counts to its cell (part, month, dim, key, *counts), and
    to the cells of its year and of every month in ``stats_year_cells``, creating the
    cells that are new; in ``session``'s transaction. Atomic per cell on both engines
    (``ON CONFLICT … DO UPDATE``), though only the fold writes cells."""
    if not rows:
        return
    connection = session.connection()
    placeholder = "%s" if connection.dialect.name == "postgresql" else "?"
    connection.exec_driver_sql(_statement("stats_cells", "month", placeholder), list(rows))
    years = year_rows(rows)
    if years:
        connection.exec_driver_sql(_statement("stats_year_cells", "year", placeholder), years)
