"""The native record and its streams: every field, files ready only, sets, scope,
window and keyset order; the Dublin Core mapping and the kho XML against their schemas."""
from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from app.services.records import dublin_core
from app.services.records import kho_xml
from app.services.catalogue import products
from app.services.records import native
from app.services.records.bulk_read import iter_views
from app.services.records.native import RecordQuery, parse_set, record_of
from archive.errors import ValidationError
from archive.models import File, Product
from tests.unit.oai.conftest import PRODUCER, SCHEMAS

FULL = {"description": "Phóng sự về quyền trẻ em", "kind": "radio-feature",
        "languages": "vie; bdq", "themes": ["intl-law"], "conventions": "CRC",
        "plan_task": "3.3", "lead_unit": "trung-tam-vhttdltt-kon-ray",
        "communes": "xa-dak-rve-2025", "cooperating_units": "cong-an-kon-ray",
        "channels": "commune-radio", "produced_on": "31/05/2024", "tags": "trẻ em, quyền",
        "rights_note": "CC BY 4.0"}


def all_records(kho, query=RecordQuery(), *, ready_only=True, batch=500, settings=None):
    """The records of ``query`` the way OAI-PMH lists and exports read them."""
    with kho.transaction() as s:
        return [record_of(view, settings or kho.settings, ready_only=ready_only)
                for view in iter_views(s, query, batch=batch)]


def test_a_record_carries_every_field_and_its_ready_files(kho, make):
    pid = make("Quyền trẻ em", image=True, **FULL)
    (rec,) = all_records(kho)
    assert rec["id"] == pid and rec["title"] == "Quyền trẻ em"
    assert rec["url"] == f"http://127.0.0.1:8000/products/{pid}"
    assert rec["kind"]["code"] == "radio-feature" and rec["kind"]["label_vi"]
    assert [t["code"] for t in rec["languages"]] == ["vie", "bdq"]       # ISO 639-3
    assert [t["code"] for t in rec["themes"]] == ["intl-law"]
    assert [t["code"] for t in rec["conventions"]] == ["CRC"]
    assert [t["code"] for t in rec["channels"]] == ["commune-radio"]
    assert rec["plan_task"]["code"] == "3.3"
    assert rec["lead_unit"]["code"] == "trung-tam-vhttdltt-kon-ray"
    assert [u["code"] for u in rec["cooperating_units"]] == ["cong-an-kon-ray"]
    assert rec["communes"] == [{"code": "xa-dak-rve-2025", "name": "Xã Đăk Rve",
                                "gso_code": "23479"}]
    assert rec["produced_on"] == "2024-05-31" and rec["tags"] == ["trẻ em", "quyền"]
    assert rec["rights"] == "CC BY 4.0" and rec["status"] == "ready"
    assert rec["sets"] == ["kind:radio-feature", "language:vie", "language:bdq",
                           "unit:trung-tam-vhttdltt-kon-ray", "year:2024"]
    assert rec["updated_at"].endswith("+00:00") and not rec["metadata_only"]
    (f,) = rec["files"]
    with kho.transaction() as s:
        row = s.query(File).one()
        assert (f["sha256"], f["size"], f["media_type"]) == (row.sha256, row.size, "image/png")
    assert f["file_name"] == "anh.png" and f["status"] == "ready"
    names = {r["name"]: r["url"] for r in f["renditions"]}
    assert names["thumbnail"] == (f"http://127.0.0.1:8000/products/{pid}/files/{f['id']}"
                                  "/thumbnail?download=1")


def test_public_url_setting_makes_the_links(kho, make):
    pid = make()
    settings = kho.settings.replace(public_url="https://kho.konray.gov.vn/")
    (rec,) = all_records(kho, settings=settings)
    assert rec["url"] == f"https://kho.konray.gov.vn/products/{pid}"


def test_files_not_ready_are_listed_only_for_backups(kho, make):
    from app.services.files import intake
    from tests.unit.oai.conftest import png

    pid = make("Triển lãm ảnh")
    intake.receive(kho, PRODUCER, pid, png(), "cho.png", queue=False)   # still queued
    (public,) = all_records(kho)
    assert public["files"] == [] and public["metadata_only"] is True
    (backup,) = all_records(kho, ready_only=False)
    assert [f["status"] for f in backup["files"]] == ["queued"]


def test_scope_public_never_holds_products_that_are_not_public(kho, make):
    open_id = make("Công khai")
    hidden = make("Hạn chế", access="closed")
    assert [r["id"] for r in all_records(kho)] == [open_id]
    assert sorted(r["id"] for r in all_records(kho, RecordQuery("all"))) == [open_id, hidden]
    with pytest.raises(ValidationError) as err:
        RecordQuery("everything")
    assert err.value.field == "scope"


@pytest.mark.parametrize("spec,expected", [
    ("kind:video", ["video"]), ("kind", ["video", "radio"]), ("language:sed", ["radio"]),
    ("language", ["video", "radio"]), ("unit:cong-an-kon-ray", ["video"]),
    ("year:2023", ["radio"]), ("year", ["video", "radio"]), ("year:1999", []),
    ("kind:poster", [])])
def test_sets_select_by_kind_language_lead_unit_and_year(kho, make, spec, expected):
    make("video", kind="video", languages="vie", lead_unit="cong-an-kon-ray",
         produced_on="2024-02-01")
    make("radio", kind="radio-feature", languages="sed", produced_on="2023-12-31")
    make("bare")
    query = RecordQuery(set=parse_set(spec))
    assert [r["title"] for r in all_records(kho, query)] == expected
    with kho.transaction() as s:
        assert native.count_products(s, query) == len(expected)


@pytest.mark.parametrize("spec", ["colour:red", "kind:", "year:24", "kind:a b", ""])
def test_unknown_sets_are_refused_naming_the_set(spec):
    with pytest.raises(ValidationError) as err:
        parse_set(spec)
    assert err.value.field == "set"


def test_window_and_keyset_follow_the_datestamp(kho, make):
    ids = [make(f"sản phẩm {n}") for n in range(5)]
    products.update_product(kho, PRODUCER, ids[1], {"title": "sửa lại"})   # moves to the end
    ordered = all_records(kho)
    assert [r["id"] for r in ordered] == [ids[0], ids[2], ids[3], ids[4], ids[1]]
    with kho.transaction() as s:
        stamps = {p.id: native.as_utc(p.updated_at) for p in s.query(Product)}
    after = RecordQuery(after=(stamps[ids[3]], ids[3]))
    assert [r["id"] for r in all_records(kho, after)] == [ids[4], ids[1]]
    window = RecordQuery(since=stamps[ids[2]], before=stamps[ids[4]])
    assert [r["id"] for r in all_records(kho, window)] == [ids[2], ids[3]]
    assert all_records(kho, RecordQuery(since=stamps[ids[1]] + timedelta(seconds=1))) == []


def test_streaming_in_small_batches_gives_the_same_records(kho, make):
    for n in range(7):
        make(f"sản phẩm {n}", kind="video", languages="vie;sed")
    assert all_records(kho, batch=2) == all_records(kho, batch=500)


def test_dublin_core_mapping(kho, make):
    pid = make("Quyền trẻ em", image=True, **FULL)
    (rec,) = all_records(kho)
    fields = dublin_core.dc_fields(rec, publisher="Phòng Văn hóa và Thông tin huyện Kon Rẫy")
    got: dict[str, list[str]] = {}
    for name, value, _lang in fields:
        got.setdefault(name, []).append(value)
    assert got["title"] == ["Quyền trẻ em"]
    assert got["creator"] == ["Trung tâm VH-TT-DL&TT huyện Kon Rẫy"]
    assert got["contributor"] == ["Công an huyện Kon Rẫy"]
    assert got["publisher"] == ["Phòng Văn hóa và Thông tin huyện Kon Rẫy"]
    assert "trẻ em" in got["subject"] and any(s.startswith("CRC — ") for s in got["subject"])
    assert got["type"] == ["Phóng sự phát thanh", "Sound", "StillImage"]
    assert got["language"] == ["vie", "bdq"] and got["date"] == ["2024-05-31"]
    assert got["coverage"] == ["Xã Đăk Rve (23479)"] and got["format"] == ["image/png"]
    assert got["identifier"] == [f"http://127.0.0.1:8000/products/{pid}"]
    assert got["rights"] == ["CC BY 4.0", "Mức độ tiếp cận: Công khai [public]. Được phép sử "
                             "dụng: Phát thanh, Trang thông tin điện tử, Mạng xã hội, Triển "
                             "lãm, Chỉ lưu trữ [uses radio website social exhibition archive]."]


def test_a_metadata_only_record_says_so(kho, make):
    make("Triển lãm lưu động", kind="poster")
    (rec,) = all_records(kho)
    xml = dublin_core.oai_dc_xml(rec)
    assert "Metadata-only record" in xml and "<dc:format>" not in xml
    assert "<dc:type>StillImage</dc:type>" in xml
    assert 'metadataOnly="true"' in kho_xml.kho_xml(rec, kho.settings)


def test_both_xml_formats_validate_and_survive_hostile_text(kho, make):
    make("Tiêu đề <b>&amp;</b> \"trích\"", image=True,
         **dict(FULL, description="dòng 1\ndòng 2 \x0b\ufffe ký tự cấm"))
    (rec,) = all_records(kho)
    dc = etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.xsd")))
    native = etree.XMLSchema(etree.parse(str(
        SCHEMAS.parents[1] / "app" / "static" / "schemas" / "kho-record-2.0.xsd")))
    dc_doc = etree.fromstring(dublin_core.oai_dc_xml(rec).encode())
    kho_doc = etree.fromstring(kho_xml.kho_xml(rec, kho.settings).encode())
    assert dc.validate(dc_doc), dc.error_log
    assert native.validate(kho_doc), native.error_log
    title = dc_doc.find("{http://purl.org/dc/elements/1.1/}title").text
    assert title == "Tiêu đề <b>&amp;</b> \"trích\""
    description = kho_doc.find("{urn:kho:record:2.0}description").text
    assert description.startswith("dòng 1\ndòng 2") and "\x0b" not in description


def test_a_set_refusal_reads_in_vietnamese():
    from app.i18n import gettext_for

    with pytest.raises(ValidationError) as err:
        parse_set("mau:do")
    assert err.value.render(gettext_for("vi")) == \
        "không có tập mau:do (dùng kind:, language:, unit: hoặc year:)"
    with pytest.raises(ValidationError) as err:
        parse_set("year:24")
    assert err.value.render(gettext_for("vi")) == "không có tập year:24 (năm phải có bốn chữ số)"
