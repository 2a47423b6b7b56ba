"""A manifest sets access (issue 26): a level by its Vietnamese label, an audience, an
embargo and a protocol note; a bad value fails the row naming the column's field."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.services.common.clock import local_today
from archive.models import Product
from tests.unit.services.files.test_bulk_ingest import (VI_HEADERS, admin, ingest, png,  # noqa: F401
                                                        write_csv)


def test_manifest_access_columns_set_level_audience_embargo_and_note(kho, admin, tmp_path):
    lot = tmp_path / "lô"
    png(lot / "lễ cúng.png")
    png(lot / "phỏng vấn.png", colour="blue")
    day = local_today(kho.settings) + timedelta(days=60)
    manifest = write_csv(lot / "danh sách.csv", [
        VI_HEADERS + ["Mức độ tiếp cận", "Đối tượng", "Chưa công bố đến ngày",
                      "Quy ước cộng đồng"],
        ["Lễ cúng lúa mới", "", "photo", "vie", "xa-dak-koi-2025", "31/05/2024",
         "lễ cúng.png", "Hạn chế (theo đối tượng)", "xa-dak-koi-2025; office",
         day.strftime("%d/%m/%Y"), "Chỉ xem trong làng"],
        ["Phỏng vấn già làng", "", "photo", "vie", "xa-dak-koi-2025", "31/05/2024",
         "phỏng vấn.png", "nội bộ", "", "", ""]])
    result = ingest(kho, admin, [lot], manifest)
    assert [r.outcome for r in result.rows] == ["ok", "ok"], [r.message for r in result.rows]
    with kho.transaction() as s:
        ritual, interview = sorted(s.scalars(select(Product)), key=lambda p: p.id)
        assert ritual.access_level == "restricted" and ritual.embargo_until == day
        assert [a.role for a in ritual.audience_roles] == ["office"]
        assert len(ritual.audience_units) == 1
        assert ritual.protocol_note == "Chỉ xem trong làng"
        assert interview.access_level == "internal"


def test_a_manifest_row_with_an_unknown_level_fails_naming_it(kho, admin, tmp_path):
    lot = tmp_path / "lô"
    png(lot / "ảnh.png")
    manifest = write_csv(lot / "danh sách.csv", [
        VI_HEADERS + ["Mức độ tiếp cận"],
        ["Ảnh", "", "photo", "vie", "xa-dak-koi-2025", "31/05/2024", "ảnh.png", "tối mật"]])
    result = ingest(kho, admin, [lot], manifest)
    assert result.rows[0].outcome != "ok"
    assert "tối mật" in str(result.rows[0].message)
    with kho.transaction() as s:
        assert s.scalar(select(Product.id)) is None
