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

from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import Integer, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.stats.plan_progress import Scope
from app.services.stats.scope import (Catalogue, digitised_condition, load_catalogue,
                                      scope_condition)
from archive.catalogue import product_communes, product_terms
from archive.models import Broadcast, Product
from archive.usage import DownloadRecord

BATCH = 1000    # products per streamed batch (and per keyed lookup)
P = Product.__table__


@dataclass(frozen=True)
class ProductLine:
    """One product as the report lists it (labels in Vietnamese).

    ``broadcasts``: times it was logged as aired in the period (any commune);
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
    for owner, value in session.execute(stmt):
        out.setdefault(owner, []).append(value)
    return out


def _among(column: Any, ids: list[int], dialect: str) -> Any:
    """``column IN ids``; on PostgreSQL ``= ANY(array)``: one parameter instead of a
    thousand, which psycopg would otherwise parse in every batch's four queries."""
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
        self.unit = {}
        for i, u in cat.units.items():
            now = cat.current.get(i, i)
            self.unit[i] = f"{u.name} (nay là {cat.units[now].name})" \
                if rollup and now != i else u.name

    def terms(self, ids: list[int], vocabulary: str) -> tuple[str, ...]:
        """Labels of the ``vocabulary`` terms among ``ids``, in the vocabulary's order."""
        return tuple(self.term[i] for i in sorted(
            (i for i in ids if i in self.order and self.order[i][0] == vocabulary),
            key=self.order.__getitem__))


def product_lines(kho: Kho, actor: Actor, scope: Scope, *,
                  batch: int = BATCH) -> Iterator[ProductLine]:
    """The products in ``scope`` by id, as a generator holding one read transaction
    until it is exhausted or closed. PermissionDenied unless the actor may see
    statistics; sensitive products are skipped for actors who may not see them."""
    actor.require("stats.view")
    with kho.transaction() as session:
        cat = load_catalogue(session)
        labels = _Labels(cat, scope.rollup)
        digitised = case((digitised_condition(), 1), else_=0).label("digitised")
        stmt = select(P.c.id, P.c.title, P.c.kind_id, P.c.plan_task_id, P.c.lead_unit_id,
                      digitised).where(scope_condition(kho, scope)).order_by(P.c.id)
        if not actor.can("product.view_sensitive"):
            stmt = stmt.where(P.c.sensitive.is_(False))
        aired = dict(session.execute(      # one grouped pass: cheaper than per batch
            select(Broadcast.product_id, func.count()).where(
                Broadcast.in_force(), *_period(Broadcast.aired_on, scope))
            .group_by(Broadcast.product_id)).all())
        result = session.execute(stmt.execution_options(yield_per=batch))
        for part in result.partitions():
            yield from _lines(session, part, labels, scope, aired)


def _lines(session: Session, part: list[Any], labels: _Labels, scope: Scope,
           aired: dict[int, int]) -> Iterator[ProductLine]:
    ids = [row.id for row in part]
    dialect = session.get_bind().dialect.name
    terms = _grouped(session, select(product_terms.c.product_id, product_terms.c.term_id)
                     .where(_among(product_terms.c.product_id, ids, dialect)))
    communes = _grouped(session, select(product_communes.c.product_id,
                                        product_communes.c.unit_id)
                        .where(_among(product_communes.c.product_id, ids, dialect)))
    fetched = dict(session.execute(
        select(DownloadRecord.product_id, func.count()).where(
            _among(DownloadRecord.product_id, ids, dialect),
            *_period(DownloadRecord.day, scope))
        .group_by(DownloadRecord.product_id)).all())
    for row in part:
        own = terms.get(row.id, [])
        yield ProductLine(
            id=row.id, title=row.title, kind=labels.term.get(row.kind_id, ""),
            languages=labels.terms(own, "language"), channels=labels.terms(own, "channel"),
            plan_task=labels.coded.get(row.plan_task_id, ""),
            lead_unit=labels.unit.get(row.lead_unit_id, ""),
            communes=tuple(sorted(labels.unit.get(u, "") for u in communes.get(row.id, []))),
            digitised=bool(row.digitised), broadcasts=int(aired.get(row.id, 0)),
            downloads=int(fetched.get(row.id, 0)))
