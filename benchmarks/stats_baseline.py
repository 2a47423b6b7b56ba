"""The baseline of benchmarks/stats_bench.py: the office's figures computed by loading
the rows into Python (plain SELECTs, counting in loops), as a script without SQL
aggregates would. Also the correctness check: the same figures from the statistics
service, reduced to the same shape, must be equal.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from archive.catalogue import product_communes, product_terms
from archive.harvests import Publication
from archive.models import Broadcast, File, Product, Term, Unit
from archive.usage import DownloadRecord

COUNTS = ("total", "digitised", "ethnic_language", "foreign_language", "digital_platform",
          "combined", "online")


def _unit_maps(session) -> tuple[dict[int, Unit], dict[int, int]]:
    units = {u.id: u for u in session.scalars(select(Unit))}
    return units, {i: u.lineage()[-1].id for i, u in units.items()}


def _matching(units: dict[int, Unit], code: Optional[str], rollup: bool) -> Optional[set]:
    if code is None:
        return None
    target = next(i for i, u in units.items() if u.code == code)
    if not rollup:
        return {target}
    return {i for i, u in units.items() if target in {x.id for x in u.lineage()}}


def _flags(session) -> tuple[set, set, set]:
    ethnic, foreign, digital = set(), set(), set()
    for t in session.scalars(select(Term)):
        if t.vocabulary == "language" and t.ethnic_minority:
            ethnic.add(t.id)
        if t.vocabulary == "language" and (t.foreign or (not t.ethnic_minority
                                                         and t.code != "vie")):
            foreign.add(t.id)
        if t.vocabulary == "channel" and t.digital_platform:
            digital.add(t.id)
    return ethnic, foreign, digital


def _in_period(produced, created: datetime, scope, tz: ZoneInfo) -> bool:
    if produced is not None:
        day = produced
    else:
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        day = created.astimezone(tz).date()
    return not ((scope.date_from and day < scope.date_from)
                or (scope.date_to and day > scope.date_to))


def python_figures(kho, scope) -> dict[str, Any]:
    """Every compared figure for ``scope``, from rows loaded into Python."""
    tz = ZoneInfo(kho.settings.timezone)
    with kho.transaction() as s:
        units, current = _unit_maps(s)
        ethnic, foreign, digital = _flags(s)
        roll = (lambda i: current.get(i, i)) if scope.rollup else (lambda i: i)
        unit_ids = _matching(units, scope.unit, scope.rollup)
        commune_ids = _matching(units, scope.commune, scope.rollup)
        terms: dict[int, set] = defaultdict(set)
        for pid, tid in s.execute(select(product_terms.c.product_id, product_terms.c.term_id)):
            terms[pid].add(tid)
        communes: dict[int, set] = defaultdict(set)
        for pid, uid in s.execute(select(product_communes.c.product_id,
                                         product_communes.c.unit_id)):
            communes[pid].add(uid)
        ready = {pid for pid, status, sha in s.execute(select(File.product_id, File.status,
                                                              File.sha256))
                 if status == "ready" and sha}
        published = dict(s.execute(select(Publication.product_id,
                                          Publication.version_at)).all())
        rows = s.execute(select(Product.id, Product.produced_on, Product.created_at,
                                Product.updated_at, Product.lead_unit_id)).all()
        broadcasts = s.execute(select(Broadcast.product_id, Broadcast.commune_id,
                                      Broadcast.aired_on)
                               .where(Broadcast.withdrawn_at.is_(None))).all()  # in force
        downloads = s.execute(select(DownloadRecord.product_id, DownloadRecord.commune_id,
                                     DownloadRecord.day)).all()
    total: Counter = Counter()
    by_year: dict[int, Counter] = defaultdict(Counter)
    by_unit: dict[Any, Counter] = defaultdict(Counter)
    by_commune: dict[Any, Counter] = defaultdict(Counter)
    unit_products: set[int] = set()
    for pid, produced, created, updated, lead in rows:
        if lead is not None and lead in (unit_ids or ()):
            unit_products.add(pid)
        if not _in_period(produced, created, scope, tz):
            continue
        if unit_ids is not None and lead not in unit_ids:
            continue
        if commune_ids is not None and not communes[pid] & commune_ids:
            continue
        own = terms[pid]
        e, f, d = bool(own & ethnic), bool(own & foreign), bool(own & digital)
        version = published.get(pid)
        flags = {"total": 1, "digitised": pid in ready, "ethnic_language": e,
                 "foreign_language": f, "digital_platform": d, "combined": e or f or d,
                 "online": version is not None and _utc(version) >= _utc(updated)}
        flags = {k: int(v) for k, v in flags.items()}
        created_local = _utc(created).astimezone(tz)
        year = produced.year if produced else created_local.year
        for tally in (total, by_year[year], by_unit[roll(lead) if lead else None]):
            tally.update(flags)
        for commune in {roll(c) for c in communes[pid]} or {None}:
            by_commune[commune].update(flags)

    def usage(rows_: list) -> Counter:
        out: Counter = Counter()
        for pid, commune, day in rows_:
            if (scope.date_from and day < scope.date_from) or \
                    (scope.date_to and day > scope.date_to):
                continue
            if commune_ids is not None and commune not in commune_ids:
                continue
            if unit_ids is not None and pid not in unit_products:
                continue
            out[roll(commune) if commune is not None else None] += 1
        return out

    code = lambda i: units[i].code if i is not None else None          # noqa: E731
    return {
        "total": tuple(total[k] for k in COUNTS),
        "by_year": {y: tuple(c[k] for k in COUNTS) for y, c in by_year.items()},
        "by_unit": {code(u): tuple(c[k] for k in COUNTS) for u, c in by_unit.items()},
        "by_commune": {code(u): tuple(c[k] for k in COUNTS) for u, c in by_commune.items()},
        "broadcasts_by_commune": {code(u): n for u, n in usage(broadcasts).items()},
        "downloads_by_commune": {code(u): n for u, n in usage(downloads).items()},
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def service_figures(stats) -> dict[str, Any]:
    """The statistics service's answer in the shape of :func:`python_figures`
    (rows with nothing counted left out, as the baseline has no such rows)."""
    def counts(row) -> tuple:
        return tuple(row.counts()[k] for k in COUNTS)
    return {
        "total": counts(stats),
        "by_year": {r.year: counts(r) for r in stats.by_year if r.total},
        "by_unit": {r.code: counts(r) for r in stats.by_unit if r.total},
        "by_commune": {r.code: counts(r) for r in stats.by_commune if r.total},
        "broadcasts_by_commune": {r.code: r.count for r in stats.broadcasts_by_commune
                                  if r.count},
        "downloads_by_commune": {r.code: r.count for r in stats.downloads_by_commune
                                 if r.count},
    }
