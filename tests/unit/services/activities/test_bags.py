"""Activities in packages: a public bag carries counts only (no name, no evidence
bytes); a full bag carries every row and evidence file, and ``kho import`` restores it
into an empty instance with the same ids, counts and evidence checksums."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.services.exports import packages
from app.services.imports import catalogue_import
from archive.activities import Activity, ActivityEvidence, ActivityParticipantCount
from archive.object_fixity import digest_object
from tests import activity_catalogue, export_catalogue
from tests.unit.services.imports.test_import import new_instance

OPERATOR = packages.OPERATOR_ACTOR


def summary(kho) -> dict:
    """What must survive a round trip: activities with their counts, evidence checksums
    (re-read from storage), people and attendances."""
    from archive.people import Attendance, Person

    with kho.transaction() as s:
        counts = sorted((c.activity_id, c.total, c.women, c.ethnic_minority)
                        for c in s.scalars(select(ActivityParticipantCount)))
        evidence = sorted((e.activity_id, e.kind, e.sha256, e.original_filename)
                          for e in s.scalars(select(ActivityEvidence)))
        titles = sorted(s.execute(select(Activity.id, Activity.title)).all())
        people = sorted(s.execute(select(Person.name, Person.ethnic_group)).all())
        attendances = s.scalar(select(func.count(Attendance.id)))
    stored = {sha: digest_object(kho.storage, f"originals/{sha[:2]}/{sha[2:4]}/{sha}").sha256
              for _a, _k, sha, _n in evidence}
    return {"titles": titles, "counts": counts, "evidence": evidence, "people": people,
            "attendances": attendances, "stored": stored}


@pytest.fixture
def built(kho):
    catalogue = export_catalogue.build(kho)
    return activity_catalogue.build(kho, catalogue.poster)


def test_a_public_bag_carries_counts_and_never_names(kho, built, tmp_path):
    out = tmp_path / "public"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out))
    lines = [json.loads(x) for x in (out / "data/metadata/activities.jsonl")
             .read_text(encoding="utf-8").splitlines()]
    assert [a["participants_total"] for a in lines] == [44, 8]
    everything = "".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in out.rglob("*") if p.is_file())
    assert activity_catalogue.PARTICIPANT not in everything
    assert "Ê Đê" not in everything and "danh sách" not in everything
    assert not (out / "data/metadata/activity_tables.jsonl").exists()
    for sha in built.checksums:                        # no evidence bytes in public
        assert not (out / f"data/originals/{sha[:2]}/{sha[2:4]}/{sha}").exists()


def test_a_full_bag_restores_activities_people_and_evidence(kho, built, tmp_path):
    out = tmp_path / "backup"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out, scope="all"))
    other = new_instance(tmp_path, "other")
    try:
        dry = catalogue_import.import_bag(other, OPERATOR, out, dry_run=True)
        assert dry.activities.activities == 2 and dry.activities.evidence == 3
        with other.transaction() as s:
            assert s.scalar(select(func.count(Activity.id))) == 0
        report = catalogue_import.import_bag(other, OPERATOR, out)
        assert report.activities.rows["attendances"] == 1
        before, after = summary(kho), summary(other)
        assert after == before
        assert set(after["stored"].values()) == set(built.checksums)
        again = catalogue_import.import_bag(other, OPERATOR, out)     # nothing twice
        assert again.activities.skipped and summary(other) == before
    finally:
        other.close()


def test_a_bag_naming_a_unit_this_instance_lacks_restores_nothing(kho, built, tmp_path):
    out = tmp_path / "backup"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out, scope="all"))
    other = new_instance(tmp_path, "other")
    try:
        from archive.models import Unit

        with other.transaction() as s:
            s.scalar(select(Unit).where(Unit.code == "xa-kon-braih-2025")).code = "xa-kb"
        from archive.errors import ValidationError
        with pytest.raises(ValidationError) as err:
            catalogue_import.import_bag(other, OPERATOR, out, dry_run=True)
        assert "xa-kon-braih-2025" in str(err.value.params)
        with other.transaction() as s:
            assert s.scalar(select(func.count(Activity.id))) == 0
    finally:
        other.close()
