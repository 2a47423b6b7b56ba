"""The one rule of who may see a product or a file, in three equal forms.

Every door asks here: a page or a download asks :func:`may_see` about one product (or
:func:`may_see_file` about one file); a list asks the database with
:func:`visible_clause`; search asks the index with :func:`index_filter` and the
tokens :func:`index_tokens` stored with each product. The three are the same rule —
``tests/unit/services/access/test_visibility.py`` checks them against each other on
random catalogues — so a door cannot drift from it.

The rule, for a :class:`Viewer` (an actor, on a Vietnamese date):

1. admins and system jobs see everything, and so do office and producer accounts
   without a unit (they saw every "sensitive" product before levels existed);
2. the owning office sees everything of its part: office and producer accounts whose
   unit's part (:func:`app.services.access.unit_scope.units_beneath`) holds the
   product's lead unit — whatever the level or embargo;
3. a running access grant (:class:`archive.access.AccessRequest`, granted, its last
   day not passed) opens the product to its requester, embargo included;
4. otherwise, an embargoed product (``embargo_until`` after today) is closed; then
   ``public`` and ``internal`` are seen by every signed-in account, ``restricted`` by
   its audience (an account whose unit is a named unit, below one, or a successor of
   one — ``standing`` units — or whose role is named), ``closed`` by nobody else.

A file may be stricter than its product: it is seen when its product is *and* its own
level lets the viewer through by the same rule (rules 1–2 still open it; a grant
covers the product's own level only, not a file closed beyond it).

No anonymous page exists: what nobody signed in may read is the harvest, whose filter
is :func:`harvestable_clause` (public, not embargoed, and allowed on the website by
every running consent: :mod:`app.services.access.consent`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Optional

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from app.services.access.actors import Actor
from app.services.access.unit_scope import units_beneath
from archive.access import (LEVELS, AccessRequest, ProductAudienceRole, ProductAudienceUnit,
                            stricter)
from archive.catalogue import File, Product
from archive.vocabulary import Unit

# roles that see every product, and roles that own their part's products
ALL_SEEING_ROLES = frozenset({"admin", "system"})
OWNING_ROLES = frozenset({"office", "producer"})
# levels every signed-in account sees (when not embargoed)
OPEN_LEVELS = ("public", "internal")


@dataclass(frozen=True)
class Viewer:
    """What the rule needs to know about an actor, read once per request.

    ``owned`` are the unit ids whose products the actor sees whatever their level
    (rule 2); ``standing`` the units an audience may name to include the actor (its
    unit, the units above it through parent links, and every predecessor of those);
    ``granted`` the product ids of its running grants; ``today`` the Vietnamese date
    the rule reads embargoes and grants against."""

    actor: Actor
    today: date
    sees_all: bool = False
    owned: frozenset[int] = frozenset()
    standing: frozenset[int] = frozenset()
    granted: frozenset[int] = frozenset()

    @property
    def role(self) -> str:
        return self.actor.role


@dataclass(frozen=True)
class AccessFacts:
    """A product's access, as the rule reads it (see :func:`facts_of`)."""

    product_id: int
    level: str
    embargo_until: Optional[date]
    lead_unit_id: Optional[int]
    audience_units: frozenset[int] = frozenset()
    audience_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IndexFilter:
    """The rule as the search index applies it to stored :func:`index_tokens`.

    A document is visible when ``everything``, or its ``owner`` unit is in ``owned``,
    or its id is in ``granted``, or (one of its access tokens is in ``tokens`` and its
    embargo day — 0 for none, else ``YYYYMMDD`` — is ``<= today``)."""

    everything: bool
    tokens: frozenset[str] = frozenset()
    owned: frozenset[int] = frozenset()
    granted: frozenset[int] = frozenset()
    today: int = 0
    extra: dict = field(default_factory=dict)


def _standing(rows: dict[int, Any], unit_id: int) -> frozenset[int]:
    """``unit_id``, every unit above it through parent links, every successor of
    those, and every predecessor of any of these (an audience naming a commune that
    merged since still includes the merged commune's staff, and the reverse)."""
    up, stack = set(), [unit_id]
    while stack:
        unit = rows.get(stack.pop())
        if unit is None or unit.id in up:
            continue
        up.add(unit.id)
        stack.extend(u for u in (unit.parent_id, unit.successor_id) if u is not None)
    predecessors: dict[int, list[int]] = {}
    for row in rows.values():
        if row.successor_id is not None:
            predecessors.setdefault(row.successor_id, []).append(row.id)
    found, stack = set(up), list(up)
    while stack:
        for older in predecessors.get(stack.pop(), ()):
            if older not in found:
                found.add(older)
                stack.append(older)
    return frozenset(found)


def viewer_for(session: Session, actor: Actor, today: date) -> Viewer:
    """The :class:`Viewer` of ``actor`` on ``today`` (two small queries: the units
    table, tens to hundreds of rows, and the actor's running grants)."""
    if actor.role in ALL_SEEING_ROLES or (actor.role in OWNING_ROLES and actor.unit_id is None):
        return Viewer(actor, today, sees_all=True)
    rows = {row.id: row for row in session.execute(
        select(Unit.id, Unit.parent_id, Unit.successor_id))}
    owned = standing = frozenset()
    if actor.unit_id is not None:
        standing = _standing(rows, actor.unit_id)
        if actor.role in OWNING_ROLES:
            owned = units_beneath(session, actor.unit_id)
    granted = frozenset()
    if actor.user_id is not None:
        granted = frozenset(session.scalars(
            select(AccessRequest.product_id).where(
                AccessRequest.requester_id == actor.user_id,
                AccessRequest.status == "granted", AccessRequest.grant_until >= today)))
    return Viewer(actor, today, owned=owned, standing=standing, granted=granted)


def facts_of(product: Product) -> AccessFacts:
    """The access facts of a loaded product (reads its audience relationships)."""
    return AccessFacts(product.id, product.access_level, product.embargo_until,
                       product.lead_unit_id,
                       frozenset(a.unit_id for a in product.audience_units),
                       frozenset(a.role for a in product.audience_roles))


def embargoed(facts: AccessFacts, today: date) -> bool:
    """Whether the product is still under embargo on ``today`` (it opens on the day)."""
    return facts.embargo_until is not None and facts.embargo_until > today


def _through_level(viewer: Viewer, facts: AccessFacts, level: str) -> bool:
    if level in OPEN_LEVELS:
        return True
    if level == "restricted":
        return viewer.role in facts.audience_roles or bool(facts.audience_units & viewer.standing)
    return False


def _owns(viewer: Viewer, facts: AccessFacts) -> bool:
    return viewer.sees_all or (facts.lead_unit_id is not None
                               and facts.lead_unit_id in viewer.owned)


def may_see(viewer: Viewer, facts: AccessFacts) -> bool:
    """Whether ``viewer`` may see the product (its page, metadata, hits, history)."""
    if _owns(viewer, facts) or facts.product_id in viewer.granted:
        return True
    return not embargoed(facts, viewer.today) and _through_level(viewer, facts, facts.level)


def may_see_file(viewer: Viewer, facts: AccessFacts, file_level: Optional[str]) -> bool:
    """Whether ``viewer`` may see a file of that product whose own level is
    ``file_level`` (None: as its product): its derivatives, text, tracks, bytes."""
    if not may_see(viewer, facts):
        return False
    if file_level is None or _owns(viewer, facts):
        return True
    level = stricter(facts.level, file_level)
    if level == facts.level:
        return True
    return not embargoed(facts, viewer.today) and _through_level(viewer, facts, level)


def visible_clause(viewer: Viewer, products: Any = Product) -> ColumnElement[bool]:
    """The rule as a WHERE clause on ``products`` (the mapped class or an alias or a
    table with its columns): true for exactly the products :func:`may_see` passes."""
    if viewer.sees_all:
        return true()
    pid = products.id if hasattr(products, "id") else products.c.id
    col = (lambda name: getattr(products, name)) if hasattr(products, "id") \
        else (lambda name: products.c[name])
    in_audience = or_(
        exists().where(ProductAudienceRole.product_id == pid,
                       ProductAudienceRole.role == viewer.role),
        exists().where(ProductAudienceUnit.product_id == pid,
                       ProductAudienceUnit.unit_id.in_(sorted(viewer.standing)))
        if viewer.standing else false())
    through = or_(col("access_level").in_(OPEN_LEVELS),
                  and_(col("access_level") == "restricted", in_audience))
    not_embargoed = or_(col("embargo_until").is_(None), col("embargo_until") <= viewer.today)
    parts = [and_(through, not_embargoed)]
    if viewer.owned:
        parts.append(col("lead_unit_id").in_(sorted(viewer.owned)))
    if viewer.granted:
        parts.append(pid.in_(sorted(viewer.granted)))
    return or_(*parts)


def file_clause(viewer: Viewer, files: Any = File, products: Any = Product) -> ColumnElement[bool]:
    """Files ``viewer`` may see, given the products joined as ``products``: the
    product is visible and the file is no stricter than it, or the file's own level
    lets the viewer through (as :func:`may_see_file`)."""
    if viewer.sees_all:
        return true()
    owned = products.lead_unit_id.in_(sorted(viewer.owned)) if viewer.owned else false()
    as_product = or_(files.access_level.is_(None), files.access_level == products.access_level,
                     *[and_(products.access_level == product_level,
                            files.access_level.in_(LEVELS[:LEVELS.index(product_level)]))
                       for product_level in LEVELS[1:]])
    in_audience = or_(
        exists().where(ProductAudienceRole.product_id == products.id,
                       ProductAudienceRole.role == viewer.role),
        exists().where(ProductAudienceUnit.product_id == products.id,
                       ProductAudienceUnit.unit_id.in_(sorted(viewer.standing)))
        if viewer.standing else false())
    not_embargoed = or_(products.embargo_until.is_(None),
                        products.embargo_until <= viewer.today)
    own_level = and_(not_embargoed, or_(files.access_level.in_(OPEN_LEVELS),
                                        and_(files.access_level == "restricted", in_audience)))
    return and_(visible_clause(viewer, products), or_(owned, as_product, own_level))


def index_tokens(facts: AccessFacts) -> list[str]:
    """The access tokens a product's search document stores (besides its owner unit
    and embargo day): ``level:public`` / ``level:internal`` for open levels, the
    audience's ``unit:<id>`` and ``role:<role>`` for restricted, none for closed."""
    if facts.level in OPEN_LEVELS:
        return [f"level:{facts.level}"]
    if facts.level == "restricted":
        return sorted([f"unit:{u}" for u in facts.audience_units]
                      + [f"role:{r}" for r in facts.audience_roles])
    return []


def embargo_day(value: Optional[date]) -> int:
    """A date as the index stores it: ``YYYYMMDD`` (0 for none)."""
    return 0 if value is None else value.year * 10000 + value.month * 100 + value.day


def index_filter(viewer: Viewer) -> IndexFilter:
    """The rule for the search index (see :class:`IndexFilter`)."""
    if viewer.sees_all:
        return IndexFilter(everything=True)
    tokens = {f"level:{level}" for level in OPEN_LEVELS} | {f"role:{viewer.role}"}
    tokens |= {f"unit:{u}" for u in viewer.standing}
    return IndexFilter(everything=False, tokens=frozenset(tokens), owned=viewer.owned,
                       granted=viewer.granted, today=embargo_day(viewer.today))


def index_allows(flt: IndexFilter, tokens: Iterable[str], owner: Optional[int],
                 embargo: int, product_id: int) -> bool:
    """:class:`IndexFilter` applied to one document in Python (what the index's masks
    compute in bulk; the tests hold the three forms to each other with it)."""
    if flt.everything or (owner is not None and owner in flt.owned) or product_id in flt.granted:
        return True
    return embargo <= flt.today and bool(flt.tokens.intersection(tokens))


def harvestable(facts: AccessFacts, consents: Iterable[Any], today: date) -> bool:
    """Whether a product is disseminated to harvesters and the public export on
    ``today``: public, not embargoed, and its consents allow the website use."""
    from app.services.access.consent import HARVEST_USE, allows

    return facts.level == "public" and not embargoed(facts, today) \
        and allows(consents, HARVEST_USE, today)


def harvestable_clause(today: date, products: Any = Product) -> ColumnElement[bool]:
    """:func:`harvestable` as a WHERE clause on ``products``."""
    from app.services.access.consent import HARVEST_USE, consent_clause

    col = (lambda name: getattr(products, name)) if hasattr(products, "id") \
        else (lambda name: products.c[name])
    return and_(col("access_level") == "public",
                or_(col("embargo_until").is_(None), col("embargo_until") <= today),
                consent_clause(HARVEST_USE, today, products))
