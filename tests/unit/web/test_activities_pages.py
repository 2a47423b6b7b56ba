"""The activities pages: record through the form (Vietnamese labels, a refused field
shown beside it with the typed values kept), the list with folded word search beside
product search, the detail with counts only for a producer, evidence upload."""
from __future__ import annotations

import io
import re
from html import unescape

from sqlalchemy import select


def _form(**extra) -> dict:
    data = {"kind": "training", "title": "Tập huấn kỹ năng truyền thông",
            "starts_on": "12/09/2025", "ends_on": "13/09/2025", "organiser": "xa-dak-koi-2025",
            "communes": ["xa-dak-koi-2025"], "plan_task": "2.2", "place": "Hội trường xã",
            "description": "", "products": "",
            "count-information-officials-total": "30", "count-information-officials-women": "12",
            "count-information-officials-ethnic_minority": "9",
            "count-citizens-total": "40"}
    data.update(extra)
    return data


def _record(b, **extra):
    return b.post("/activities/new", _form(**extra), token_from="/activities/new")


def test_an_office_records_an_activity_through_the_form(as_role, kho_rt):
    office = as_role("office")
    page = unescape(office.get("/activities/new").get_data(as_text=True))
    assert "Loại hoạt động" in page and "Nhóm đối tượng" in page and "chỉ tiêu 70 %" in page
    response = _record(office)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    detail = unescape(office.get(response.headers["Location"]).get_data(as_text=True))
    assert "Tập huấn kỹ năng truyền thông" in detail and "12/09/2025 – 13/09/2025" in detail
    assert "Cán bộ, công chức làm công tác quản lý thông tin, truyền thông" in detail
    assert re.search(r"<th>Tổng số</th><th>70</th>", detail)


def test_a_refused_count_is_shown_beside_its_field_and_the_typed_values_kept(as_role):
    office = as_role("office")
    response = _record(office, **{"count-citizens-women": "55", "place": "Nhà văn hóa thôn 2"})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert 'id="error-participants"' in html
    assert "không thể nhiều hơn tổng số (40)" in html
    assert 'value="Nhà văn hóa thôn 2"' in html and 'value="55"' in html


def test_the_list_finds_words_without_diacritics_and_a_producer_sees_counts_only(as_role):
    office = as_role("office")
    location = _record(office).headers["Location"]
    _record(office, kind="contest", title="Cuộc thi tìm hiểu pháp luật", plan_task="6.1")
    listed = unescape(office.get("/activities?q=tap+huan").get_data(as_text=True))
    assert "Tập huấn kỹ năng truyền thông" in listed and "tìm hiểu pháp luật" not in listed
    assert "1 hoạt động" in listed
    search = unescape(office.get("/search?q=tap+huan").get_data(as_text=True))
    assert "/activities?q=tap+huan" in search          # the tab beside products
    producer = unescape(as_role("producer").get(location).get_data(as_text=True))
    assert "Chỉ hiển thị số lượng" in producer
    assert "Ghi nhận hoạt động" not in unescape(as_role("commune").get("/activities")
                                                .get_data(as_text=True))


def test_evidence_is_uploaded_and_downloaded(as_role, kho_rt):
    from archive.activities import ActivityEvidence

    office = as_role("office")
    location = _record(office).headers["Location"]
    data = b"%PDF-1.4 bien ban"
    response = office.post(location + "/evidence", {"file": (io.BytesIO(data), "biên bản.pdf"),
                                                     "kind": "minutes"},
                           token_from=location, content_type="multipart/form-data")
    assert response.status_code == 302
    with kho_rt.transaction() as s:
        row = s.scalar(select(ActivityEvidence))
    assert row.kind == "minutes" and row.original_filename == "biên bản.pdf"
    detail = unescape(office.get(location).get_data(as_text=True))
    assert "biên bản.pdf" in detail and "biên bản" in detail
    assert office.get(f"{location}/evidence/{row.id}").data == data


def test_an_edit_saved_meanwhile_reopens_the_form_with_the_current_values(as_role):
    office = as_role("office")
    location = _record(office).headers["Location"]
    form = _form(place="Nhà văn hóa thôn 1", version="1")
    assert office.post(location + "/edit", form, token_from=location + "/edit").status_code == 302
    stale = office.post(location + "/edit", _form(place="Sân vận động", version="1"),
                        token_from=location + "/edit")
    assert stale.status_code == 409
    html = unescape(stale.get_data(as_text=True))
    assert "Người khác đã lưu hoạt động này" in html and 'value="Nhà văn hóa thôn 1"' in html
