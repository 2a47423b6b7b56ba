"""The people and activities figures of a statistics scope, reused while unchanged.

Counting them reads a few hundred summary rows (trained and staff counts per unit and
group, spokespersons, activities by kind and plan task): ~20 ms at a province's size,
on every dashboard and ``/api/v1/stats`` request. They are kept like the other parts of
the figures (:mod:`app.services.stats.cache`): per process, keyed by the units the
reader's scope covers, the year and the rollup, and reused while the database's people
mark (``stats_people_changes``, written by triggers on every table they read), the
vocabularies and the day stay the same.
"""
from __future__ import annotations

from typing import Any, Optional

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.activities.figures import PeopleFigures, people_figures
from app.services.activities.people_view import scope_units, scope_year
from app.services.common.clock import local_today
from app.services.stats import cache


def scope_people(kho: Kho, actor: Actor, scope: Any,
                 marks: Optional[cache.Marks] = None) -> PeopleFigures:
    """The people figures of ``scope`` for ``actor`` (as
    :func:`app.services.activities.people_view.scope_figures` counts them). ``marks``:
    the fingerprint the caller read for this request; read here otherwise.
    PermissionDenied unless the account may see statistics; ValidationError naming an
    unknown unit code."""
    actor.require("stats.view")
    year = scope_year(scope, local_today(kho.settings))
    with kho.transaction() as session:
        units = scope_units(session, actor, scope)
    marks = marks or cache.fingerprint(kho)

    def count() -> PeopleFigures:
        with kho.transaction() as session:
            return people_figures(session, units, year, scope.rollup)
    return cache.cached(kho, ("people", units, year, scope.rollup),
                        marks.of("people", scope), count)
