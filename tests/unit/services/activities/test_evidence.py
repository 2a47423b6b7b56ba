"""Evidence files: stored as product originals are, and covered by the same fixity
audit, replica and preservation overview."""
from __future__ import annotations

import hashlib
import io

import pytest

from app.services.activities import evidence, register
from app.services.preservation import fixity
from archive.errors import NotFound, PermissionDenied
from archive.storage import original_key

from .conftest import training

PHOTO = b"\x89PNG\r\n\x1a\n" + b"anh hoi nghi" * 100
SHEET = "Họ và tên,Đơn vị\nNguyễn Văn A,Xã Đăk Kôi\n".encode("utf-8")


def test_evidence_is_stored_under_its_sha256_and_audited(kho, actors):
    aid = register.create_activity(kho, actors["office"], training())
    added = evidence.add_evidence(kho, actors["office"], aid, io.BytesIO(PHOTO), "ảnh 1.png",
                                  kind="photo")
    assert added.sha256 == hashlib.sha256(PHOTO).hexdigest() and added.size == len(PHOTO)
    assert kho.storage.exists(original_key(added.sha256))
    again = evidence.add_evidence(kho, actors["office"], aid, io.BytesIO(PHOTO), "copy.png",
                                  kind="photo")
    assert again.duplicate and again.id == added.id
    download = evidence.open_evidence(kho, actors["commune_office"], aid, added.id)
    assert b"".join(download.chunks) == PHOTO
    history = register.activity_history(kho, actors["office"], aid)
    assert history[0]["action"] == "evidence.add"
    assert history[0]["changes"]["evidence"][1]["sha256"] == added.sha256


def test_the_fixity_audit_walks_evidence_and_finds_a_damaged_copy(kho, actors):
    aid = register.create_activity(kho, actors["office"], training())
    added = evidence.add_evidence(kho, actors["office"], aid, io.BytesIO(PHOTO), "a.png",
                                  kind="photo")
    targets = fixity.select_targets(kho)
    assert [t.storage_key for t in targets] == [original_key(added.sha256)]
    assert not fixity.run(kho, targets).faulty
    path = kho.settings.objects_dir / original_key(added.sha256)
    path.write_bytes(b"hong")
    report = fixity.run(kho, fixity.select_targets(kho))
    assert [c.verdict for c in report.faulty] == ["mismatch"]


def test_attendance_sheets_are_kept_from_those_who_may_not_see_names(kho, actors):
    aid = register.create_activity(kho, actors["office"], training())
    sheet = evidence.add_evidence(kho, actors["office"], aid, io.BytesIO(SHEET), "ds.csv",
                                  kind="attendance_sheet")
    with pytest.raises(NotFound):
        evidence.open_evidence(kho, actors["producer"], aid, sheet.id)
    assert b"".join(evidence.open_evidence(kho, actors["admin"], aid, sheet.id).chunks) == SHEET
    with pytest.raises(PermissionDenied):
        evidence.add_evidence(kho, actors["commune"], aid, io.BytesIO(PHOTO), "a.png")
    evidence.remove_evidence(kho, actors["office"], aid, sheet.id)
    activity, _ = register.get_activity(kho, actors["office"], aid)
    assert activity.evidence == []
