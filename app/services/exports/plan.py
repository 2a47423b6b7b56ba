"""An export request checked and resolved into a plan (see :mod:`app.services.exports.packages`).

:func:`plan_export` checks the options (format, scope and who may ask for it, set,
``--since``, date style) and fixes the window of records before anything is written,
so a bad option fails at once naming it and the progress bar knows its length.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.exports import receipts
from app.services.access.actors import Actor
from app.services.common.clock import local_today
from app.services.exports.formats import parse_dates_option
from app.services.exports.receipts import Since
from app.services.records.native import RecordQuery, SetSpec, count_products, parse_set
from archive.base import utcnow
from archive.errors import PermissionDenied, ValidationError
from archive.exports import EXPORT_FORMATS, EXPORT_SCOPES, OPERATOR
from archive.models import Term, Unit

# the machine's operator running ``kho export`` on the command line
OPERATOR_ACTOR = Actor(user_id=None, username=OPERATOR, role="system")

Progress = Callable[[int], None]


def no_progress(_done: int) -> None:
    return None


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for (raw option values, checked by :func:`plan_export`)."""

    format: str
    out: Path
    scope: str = "public"
    since: Optional[str] = None
    set_spec: str = ""
    with_derivatives: bool = False
    dates: Optional[str] = None


@dataclass(frozen=True)
class ExportPlan:
    """A checked request: the window, the set and how many products it holds."""

    request: ExportRequest
    query: RecordQuery
    since: Since
    dates: str
    total: int                     # products in the window now (progress bar length)
    started_at: datetime


def _check_request(actor: Actor, request: ExportRequest) -> None:
    actor.require("export.run")
    if request.format not in EXPORT_FORMATS:
        raise ValidationError("unknown format %(format)s (use jsonl, csv, dc-xml or bagit)",
                              field="format", format=request.format)
    if request.scope not in EXPORT_SCOPES:
        raise ValidationError("unknown scope %(scope)s (use public or all)", field="scope",
                              scope=request.scope)
    if request.scope == "all" and actor.role not in ("admin", "system"):
        raise PermissionDenied("only admins may export everything (scope all)",
                               field="scope")
    if request.with_derivatives and request.format != "bagit":
        raise ValidationError("--with-derivatives goes with --format bagit",
                              field="with_derivatives")


def _known_set(kho: Kho, text: str) -> SetSpec:
    """The set of ``--set``; ValidationError naming ``set`` when its kind, language or
    unit code is not in this catalogue's vocabularies (it would select nothing)."""
    spec = parse_set(text)
    if spec.value is None or spec.family == "year":
        return spec
    with kho.transaction() as session:
        if spec.family == "unit":
            found = session.scalar(select(Unit.id).where(Unit.code == spec.value))
        else:
            found = session.scalar(select(Term.id).where(Term.vocabulary == spec.family,
                                                         Term.code == spec.value))
    if found is None:
        raise ValidationError("unknown set %(set)s: no %(family)s has the code %(code)s",
                              field="set", set=text, family=spec.family, code=spec.value)
    return spec


def plan_export(kho: Kho, actor: Actor, request: ExportRequest) -> ExportPlan:
    """Check the request and resolve its window. Raises ValidationError naming the
    option (format, scope, since, set, dates, out), PermissionDenied for scope all."""
    _check_request(actor, request)
    started_at = utcnow()
    dates = parse_dates_option(request.dates)
    spec = _known_set(kho, request.set_spec) if request.set_spec else None
    since = receipts.parse_since(kho, request.since, fmt=request.format,
                                 scope=request.scope, set_spec=request.set_spec)
    # the Vietnamese date the access rule is read on (the public scope: harvestable)
    day = dict(today=local_today(kho.settings), zone=kho.settings.timezone)
    if since.at is None:
        query = RecordQuery(scope=request.scope, set=spec, **day)
    elif since.exclusive:      # strictly after: both databases keep microseconds
        query = RecordQuery(scope=request.scope, set=spec,
                            since=since.at + timedelta(microseconds=1), **day)
    else:
        query = RecordQuery(scope=request.scope, set=spec, since=since.at, **day)
    with kho.transaction() as session:
        total = count_products(session, query)
    return ExportPlan(request, query, since, dates, total, started_at)
