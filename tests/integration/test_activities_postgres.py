"""The activities register on PostgreSQL: the service tests rerun on it, and writers
racing on one activity — parallel edits opened at the same version save exactly once,
parallel uploads of the same evidence make one row."""
from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.services.activities import evidence, register
from archive.activities import ActivityChange, ActivityEvidence
from archive.errors import PreconditionFailed
from tests.unit.services.activities.conftest import actors, training  # noqa: F401
from tests.unit.services.activities.test_register import (  # noqa: F401  (rerun on PostgreSQL)
    test_a_product_number_no_row_can_have_is_named_not_a_crash,
    test_a_2019_activity_cannot_name_a_commune_of_2025_and_is_told_which_to_use,
    test_a_commune_office_sees_its_communes_activities_only,
    test_deleting_a_training_takes_its_people_out_of_the_trained_counts,
    test_search_folds_diacritics_and_filters)

WRITERS = 8


def _together(fn, n: int = WRITERS) -> list:
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        try:
            return fn(i)
        except PreconditionFailed as exc:
            return exc
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_parallel_edits_at_one_version_save_once(kho, actors):  # noqa: F811
    aid = register.create_activity(kho, actors["office"], training())
    results = _together(lambda i: register.update_activity(
        kho, actors["office"], aid, {"place": f"Nhà văn hóa thôn {i}"}, if_version=1))
    saved = [r for r in results if isinstance(r, dict)]
    assert len(saved) == 1 and len(results) - len(saved) == WRITERS - 1
    with kho.transaction() as s:
        edits = s.scalar(select(func.count(ActivityChange.id)).where(
            ActivityChange.activity_id == aid, ActivityChange.action == "update"))
    assert edits == 1


def test_parallel_uploads_of_the_same_evidence_make_one_row(kho, actors):  # noqa: F811
    aid = register.create_activity(kho, actors["office"], training())
    data = b"%PDF-1.4 bien ban " * 100
    results = _together(lambda i: evidence.add_evidence(kho, actors["office"], aid,
                                                        io.BytesIO(data), f"bb-{i}.pdf"))
    assert len({r.id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    with kho.transaction() as s:
        assert s.scalar(select(func.count(ActivityEvidence.id))) == 1
