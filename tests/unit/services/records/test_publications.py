"""A product's published version only moves forward, whichever door sent it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from archive.harvests import Publication


def _noted(kho, rows) -> Publication:
    from app.services.records.publications import note_published

    with kho.transaction() as session:
        note_published(session, rows)
    with kho.transaction() as session:
        return session.get(Publication, 7)


def test_an_older_harvest_does_not_replace_a_newer_export(kho):
    new = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    row = {"product_id": 7, "version_at": new, "via": "export", "receipt_id": 3, "at": new}
    _noted(kho, [row])
    older = dict(row, version_at=new - timedelta(days=2), via="oai", receipt_id=None)
    kept = _noted(kho, [older])
    assert (kept.via, kept.receipt_id) == ("export", 3)
    assert kept.version_at.replace(tzinfo=timezone.utc) == new


def test_a_newer_version_replaces_the_row(kho):
    old = datetime(2026, 11, 1, tzinfo=timezone.utc)
    _noted(kho, [{"product_id": 7, "version_at": old, "via": "export", "receipt_id": 1,
                  "at": old}])
    newer = old + timedelta(days=5)
    kept = _noted(kho, [{"product_id": 7, "version_at": newer, "via": "oai",
                         "receipt_id": None, "at": newer}])
    assert (kept.via, kept.receipt_id) == ("oai", None)


def test_the_same_version_sent_again_refreshes_the_row_and_marks_nothing(kho):
    from sqlalchemy import delete, func, select

    from archive.stats import StatsDirty

    first = datetime(2026, 11, 1, tzinfo=timezone.utc)
    row = {"product_id": 7, "version_at": first, "via": "export", "receipt_id": 1,
           "at": first}
    _noted(kho, [row])
    with kho.transaction() as session:
        session.execute(delete(StatsDirty))
    later = first + timedelta(hours=3)
    kept = _noted(kho, [dict(row, via="oai", receipt_id=None, at=later)])
    assert (kept.via, kept.receipt_id) == ("oai", None)
    assert kept.at.replace(tzinfo=timezone.utc) == later
    assert kept.version_at.replace(tzinfo=timezone.utc) == first
    with kho.transaction() as session:     # the figures have nothing to count again
        assert session.scalar(select(func.count()).select_from(StatsDirty)) == 0
