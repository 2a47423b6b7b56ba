"""The yearly report's product list: one line per product in scope, streamed.

The products in scope and their ``digitised`` flag come from the statistics' own
conditions (:func:`app.services.stats.scope.scope_condition`, ``digitised_condition``),
so the list and the figures can never disagree. Rows are read ``yield_per`` in
batches; beside them four queries in product order, streamed the same way, give
the listed products' languages and channels, communes, downloads in the period
and airings in the period (each batch takes their rows up to its last
product), so memory stays bounded by the batch whatever the size of the list.
Sensitive products are listed only to actors who may see them.
"""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from sqlalchemy import case, func, select

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.visibility import viewer_for, visible_clause
from app.services.common.clock import local_today
from app.services.stats.plan_progress import Scope
from app.services.stats.scope import (Catalogue, digitised_condition, load_catalogue,
                                      scope_condition)
from archive.catalogue import product_communes, product_terms
from archive.models import Broadcast, Product
from archive.usage import DownloadRecord

BATCH = 1000    # products (and rows of each side query) per streamed batch
P = Product.__table__


class ProductLine(NamedTuple):
    """One product as the report lists it (labels in Vietnamese); a named tuple (a
    hundred thousand of them are made per report: cheaper than a frozen dataclass).

    ``broadcasts``: its airings in the period (logs in force, any commune; aired in
    the morning and the evening of a day: 2);
    ``downloads``: downloads in the period (a user's requests for one file and
    rendition on one day are one download).
    """

    id: int
    title: str
    kind: str
    languages: tuple[str, ...]
    channels: tuple[str, ...]
    plan_task: str
    lead_unit: str
    communes: tuple[str, ...]
    digitised: bool
    broadcasts: int
    downloads: int


def _period(column: Any, scope: Scope) -> list[Any]:
    where = []
    if scope.date_from:
        where.append(column >= scope.date_from)
    if scope.date_to:
        where.append(column <= scope.date_to)
    return where


class _Labels:
    """Vietnamese labels of terms and units, worked out once per report (tens of
    entries); a merged commune names its successor."""

    def __init__(self, cat: Catalogue, rollup: bool) -> None:
        self.term = {i: t.label_vi for i, t in cat.terms.items()}
        self.coded = {i: f"{t.code} – {t.label_vi}" for i, t in cat.terms.items()}
        self.order = {i: (t.vocabulary, t.position, t.label_vi) for i, t in cat.terms.items()}
        self.of = {i: t.vocabulary for i, t in cat.terms.items()}
        # the only terms the list names beside kind and plan task (read per batch)
        self.listed = sorted(i for i, v in self.of.items() if v in ("language", "channel"))
        self.unit = {}
        for i, u in cat.units.items():
            now = cat.current.get(i, i)
            self.unit[i] = f"{u.name} (nay là {cat.units[now].name})" \
                if rollup and now != i else u.name

    def named(self, ids: Any) -> tuple[str, ...]:
        """Labels of the terms ``ids`` (of one vocabulary), in the vocabulary's order."""
        if len(ids) > 1:
            ids = sorted(ids, key=self.order.__getitem__)
        return tuple(self.term[i] for i in ids)


def product_lines(kho: Kho, actor: Actor, scope: Scope, *,
                  batch: int = BATCH) -> Iterator[ProductLine]:
    """The products in ``scope`` by id, as a generator holding one read transaction
    until it is exhausted or closed. PermissionDenied unless the actor may see
    statistics; products the actor may not see (:mod:`app.services.access.visibility`)
    are not listed (the report's counts still hold them)."""
    actor.require("stats.view")
    with kho.transaction() as session:
        cat = load_catalogue(session)
        labels = _Labels(cat, scope.rollup)
        digitised = case((digitised_condition(), 1), else_=0).label("digitised")
        where = (scope_condition(kho, scope),
                 visible_clause(viewer_for(session, actor, local_today(kho.settings)), P))
        stmt = select(P.c.id, P.c.title, P.c.kind_id, P.c.plan_task_id, P.c.lead_unit_id,
                      digitised).where(*where).order_by(P.c.id)
        # the listed products' languages and channels, communes, and airings and
        # downloads in the period: each one query streamed in product order beside the
        # products (not keyed queries per batch: building and probing lists of a
        # thousand ids cost more than the products' own query)
        listed = select(P.c.id).where(*where)
        connection = session.connection()
        streams = [_Stream(connection, q, batch) for q in (
            select(product_terms.c.product_id, product_terms.c.term_id)
            .where(product_terms.c.product_id.in_(listed),
                   product_terms.c.term_id.in_(labels.listed))
            .order_by(product_terms.c.product_id),
            select(product_communes.c.product_id, product_communes.c.unit_id)
            .where(product_communes.c.product_id.in_(listed))
            .order_by(product_communes.c.product_id),
            select(DownloadRecord.product_id, func.count())
            .where(DownloadRecord.product_id.in_(listed), *_period(DownloadRecord.day, scope))
            .group_by(DownloadRecord.product_id).order_by(DownloadRecord.product_id),
            select(Broadcast.product_id, func.count())
            .where(Broadcast.product_id.in_(listed), Broadcast.in_force(),
                   *_period(Broadcast.aired_on, scope))
            .group_by(Broadcast.product_id).order_by(Broadcast.product_id))]
        try:
            result = session.execute(stmt.execution_options(yield_per=batch))
            for part in result.partitions():
                yield from _lines(part, labels, *(s.until(part[-1][0]) for s in streams))
        finally:
            for stream in streams:
                stream.result.close()


class _Stream:
    """Rows ``(product id, value)`` of one query in product order, handed out a batch of
    products at a time (:meth:`until`); fetched ``batch`` rows at a time, so memory
    stays bounded whatever the size of the list."""

    def __init__(self, connection: Any, stmt: Any, batch: int) -> None:
        self.result = connection.execute(stmt.execution_options(yield_per=batch))
        self.rows = iter(self.result)
        self.pending = next(self.rows, None)

    def until(self, last: int) -> list[Any]:
        """The rows of products up to id ``last`` (those not listed are left unused)."""
        out, row, rows = [], self.pending, self.rows
        while row is not None and row[0] <= last:
            out.append(row)
            row = next(rows, None)
        self.pending = row
        return out


def _lines(part: list[Any], labels: _Labels, terms: list[Any], communes_of: list[Any],
           downloads: list[Any], airings: list[Any]) -> Iterator[ProductLine]:
    languages: dict[int, list[int]] = {}
    channels: dict[int, list[int]] = {}
    of = labels.of
    for pid, tid in terms:
        (languages if of[tid] == "language" else channels).setdefault(pid, []).append(tid)
    communes: dict[int, list[int]] = {}
    for pid, unit_id in communes_of:
        communes.setdefault(pid, []).append(unit_id)
    fetched, aired = dict(downloads), dict(airings)
    term, coded, unit, nothing = labels.term, labels.coded, labels.unit, ()
    for pid, title, kind_id, task_id, unit_id, digitised in part:
        yield ProductLine(
            pid, title, term.get(kind_id, ""), labels.named(languages.get(pid, nothing)),
            labels.named(channels.get(pid, nothing)), coded.get(task_id, ""),
            unit.get(unit_id, ""),
            tuple(sorted(unit.get(u, "") for u in communes.get(pid, nothing))),
            bool(digitised), int(aired.get(pid, 0)), int(fetched.get(pid, 0)))
