"""Summary rows of the office's figures, kept current as the catalogue changes.

Counting a million products on every dashboard request after an edit took seconds;
these tables hold the counts so that a request adds up a few thousand rows instead
(issue 27, part 1). How they stay exact:

- ``stats_dirty``: the database itself marks a product here (triggers created by
  migration 0024, on SQLite and PostgreSQL) whenever anything a figure reads changes:
  the product row, its terms, its communes, its files, its publication, a near-duplicate
  answer. No write path of the application can forget it (imports, bulk inserts and
  raw SQL included). Rows are only added by triggers and removed by the fold.
- ``stats_facts``: what each product last counted as (month, lead unit, kind, plan task,
  digitised, online, whether it is counted at all, its term and commune ids) — so the
  fold can subtract a product's old contribution before adding its new one.
- ``stats_cells``: per part, month (``yyyymm``), dimension and key, the seven counts of
  :class:`app.services.stats.figures.Tally`; part 0 is the whole catalogue, part N the
  products an account of unit N reports on (led by or filed under a unit beneath it).
- ``stats_year_cells``: the same counts summed per year (``yyyy``), and over every month
  (year 0), written with the month cells in the same transaction (migration 0027): the
  usual periods (a year, the plan, every year) add up a few hundred rows a year
  instead of twelve months of them.
- ``stats_usage_cells``: airings in force and downloads per month and commune, kept by
  triggers on ``broadcasts`` and ``download_records`` themselves (each row is one cell's
  +1, a withdrawal its -1), so they need no fold.
- ``stats_usage_edits``: per kind of use, how many airings or downloads were edited
  (day, commune, withdrawal) or deleted since the upgrade (migration 0025's triggers):
  inserts show in the newest id, edits only here; part of the figures' cache key
  (:mod:`app.services.stats.cache`). Only grows.
- ``stats_state``: one row: the fingerprint of the vocabulary tables the cells were
  counted with (a changed flag or merger recounts everything once), a generation that
  grows with every fold that changed something, and a ``version`` to lock on.

The fold (:mod:`app.services.stats.summary`) moves dirty products into facts and cells
under the state row's lock; readers add up the cells.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow


class StatsDirty(Base):
    """A product whose figures must be counted again (written by database triggers)."""

    __tablename__ = "stats_dirty"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    # no foreign key: a deleted product must stay marked until its counts are removed
    product_id: Mapped[int] = mapped_column(Integer, index=True)


class StatsFact(Base):
    """What one product counts as in the cells (its last folded state)."""

    __tablename__ = "stats_facts"
    # the dashboard's to-do lists walk these newest first (app.services.stats.next_steps)
    __table_args__ = (Index("ix_stats_facts_not_digitised", "counted", "digitised",
                            "product_id"),
                      Index("ix_stats_facts_unclassified", "counted", "unclassified",
                            "product_id"),
                      # the failed files of a period: summed over the few products with any
                      Index("ix_stats_facts_failed", "counted", "failed", "month"))

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(Integer)              # yyyymm of its day
    lead_unit_id: Mapped[Optional[int]]
    kind_id: Mapped[Optional[int]]
    plan_task_id: Mapped[Optional[int]]
    digitised: Mapped[int] = mapped_column(SmallInteger)
    online: Mapped[int] = mapped_column(SmallInteger)
    counted: Mapped[int] = mapped_column(SmallInteger)       # 0: a confirmed repeat
    terms: Mapped[str] = mapped_column(Text, default="")     # term ids, "," separated
    communes: Mapped[str] = mapped_column(Text, default="")  # unit ids, "," separated
    # 1: no language or no channel term (migration 0026)
    unclassified: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # how many of its files failed processing (migration 0028)
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class _Counts:
    """The seven counts of :class:`app.services.stats.figures.Tally`, after a cell's
    key columns."""

    total: Mapped[int] = mapped_column(Integer, default=0)
    digitised: Mapped[int] = mapped_column(Integer, default=0)
    ethnic_language: Mapped[int] = mapped_column(Integer, default=0)
    foreign_language: Mapped[int] = mapped_column(Integer, default=0)
    digital_platform: Mapped[int] = mapped_column(Integer, default=0)
    combined: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)


class StatsCell(_Counts, Base):
    """The counts of the products of one month in one row of one breakdown."""

    __tablename__ = "stats_cells"
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dim: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class StatsYearCell(_Counts, Base):
    """The counts of one year's products (year 0: every month's) in one row of one
    breakdown: the sum of the :class:`StatsCell` rows of those months."""

    __tablename__ = "stats_year_cells"
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dim: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


ALL_YEARS = 0       # stats_year_cells.year of the sums over every month


class StatsState(Base):
    """The one row (id 1) describing the cells."""

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)   # lock_row's column
    catalogue: Mapped[str] = mapped_column(String(64), default="")
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    folded_at: Mapped[Optional[datetime]] = mapped_column(default=utcnow)


USAGE_BROADCASTS, USAGE_DOWNLOADS = 0, 1
# PostgreSQL advisory lock every writer of stats_usage_cells takes first (the triggers of
# migration 0025, which spells the same number; a recount): one order, no deadlock
USAGE_LOCK = 270_271


class StatsUsageCell(Base):
    """Airings in force (``kind`` 0) or downloads (1) of one month in one commune
    (``commune_id`` 0: downloads by accounts without a commune)."""

    __tablename__ = "stats_usage_cells"

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    commune_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StatsUsageEdit(Base):
    """How many ``broadcasts`` (``kind`` 0) or ``download_records`` (1) rows were
    updated in what the usage cells count or deleted (written by triggers, never
    reset: it keys the figures' cache)."""

    __tablename__ = "stats_usage_edits"

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsPeopleChange(Base):
    """A mark of a change to what the people and activities figures read (activities,
    their communes and participant counts, the trained and staff counts, spokespersons,
    terms, units), written by the database's triggers (migration 0029): the newest
    ``id`` keys those figures in the cache (:mod:`app.services.stats.cache`). On
    PostgreSQL one row per writing transaction, taken as it commits; on SQLite the
    trigger keeps only the newest row. Old rows carry nothing: the workers' sweep
    deletes them."""

    __tablename__ = "stats_people_changes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
