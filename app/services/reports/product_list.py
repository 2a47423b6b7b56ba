"""The yearly report's product list: one line per product in scope, streamed.

The products in scope and their ``digitised`` flag come from the statistics' own
conditions (:func:`app.services.stats.scope.scope_condition`, ``digitised_condition``),
so the list and the figures can never disagree. Rows are read ``yield_per`` in
batches; for each batch three keyed queries fetch its languages and channels,
communes and downloads (covering-index lookups), so memory stays bounded by the
batch; broadcasts in the period are counted per product in one grouped pass before
(an int per product that has any: a few MB at 100,000 products).
Sensitive products are listed only to actors who may see them.
"""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from sqlalchemy import Integer, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

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

BATCH = 1000    # products per streamed batch (and per keyed lookup)
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


def _grouped(session: Session, stmt: Any) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for owner, value in session.execute(stmt).all():    # one fetch per batch, not per row
        out.setdefault(owner, []).append(value)
    return out


def _among(column: Any, ids: list[int], dialect: str) -> Any:
    """Rows of the products ``ids`` (a batch, in id order). A dense batch (its ids fill
    most of their range, as when most products are listed) is ``BETWEEN first AND
    last``: the rows of the few products between them that are not listed are read and
    left unused, and no statement of a thousand parameters is compiled per batch.
    Otherwise ``column IN ids``; on PostgreSQL ``= ANY(array)``: one parameter instead
    of a thousand, which psycopg would otherwise parse in every batch's four queries."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])
    if dialect == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


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
        stmt = select(P.c.id, P.c.title, P.c.kind_id, P.c.plan_task_id, P.c.lead_unit_id,
                      digitised).where(scope_condition(kho, scope)).order_by(P.c.id)
        stmt = stmt.where(visible_clause(viewer_for(session, actor, local_today(kho.settings)),
                                         P))
        aired = dict(session.execute(      # one grouped pass: cheaper than per batch
            select(Broadcast.product_id, func.count()).where(
                Broadcast.in_force(), *_period(Broadcast.aired_on, scope))
            .group_by(Broadcast.product_id)).all())
        result = session.execute(stmt.execution_options(yield_per=batch))
        for part in result.partitions():
            yield from _lines(session, part, labels, scope, aired)


def _lines(session: Session, part: list[Any], labels: _Labels, scope: Scope,
           aired: dict[int, int]) -> Iterator[ProductLine]:
    ids = [row[0] for row in part]
    dialect = session.get_bind().dialect.name
    languages: dict[int, list[int]] = {}
    channels: dict[int, list[int]] = {}
    of = labels.of
    for pid, tid in session.execute(
            select(product_terms.c.product_id, product_terms.c.term_id)
            .where(_among(product_terms.c.product_id, ids, dialect),
                   product_terms.c.term_id.in_(labels.listed))).all():
        (languages if of[tid] == "language" else channels).setdefault(pid, []).append(tid)
    communes = _grouped(session, select(product_communes.c.product_id,
                                        product_communes.c.unit_id)
                        .where(_among(product_communes.c.product_id, ids, dialect)))
    fetched = dict(session.execute(
        select(DownloadRecord.product_id, func.count()).where(
            _among(DownloadRecord.product_id, ids, dialect),
            *_period(DownloadRecord.day, scope))
        .group_by(DownloadRecord.product_id)).all())
    term, coded, unit, nothing = labels.term, labels.coded, labels.unit, ()
    for pid, title, kind_id, task_id, unit_id, digitised in part:
        yield ProductLine(
            pid, title, term.get(kind_id, ""), labels.named(languages.get(pid, nothing)),
            labels.named(channels.get(pid, nothing)), coded.get(task_id, ""),
            unit.get(unit_id, ""),
            tuple(sorted(unit.get(u, "") for u in communes.get(pid, nothing))),
            bool(digitised), int(aired.get(pid, 0)), int(fetched.get(pid, 0)))
