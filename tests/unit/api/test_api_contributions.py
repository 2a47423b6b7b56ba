"""The yearly contributions over the API (issue 21, part 3): a commune office files its
2026 part, the province office sees it in its checklist, returns it once with a reason,
the commune resubmits and the province accepts; and the refusals, 403/404/409/422."""
from __future__ import annotations

import pytest

COMMUNE = "xa-dak-koi-2025"
OTHER = "xa-kon-braih-2025"
PROVINCE_BODY = "so-vhttdl-quang-ngai-2025"


@pytest.fixture
def unit_tokens(api) -> dict[str, str]:
    """Office tokens of a commune, a second commune and the Sở VHTTDL."""
    from app.services.access import accounts

    tokens = {}
    for name, unit in (("xa", COMMUNE), ("xa2", OTHER), ("so", PROVINCE_BODY)):
        accounts.add_user(api.kho, f"vh-{name}", "office", "mat-khau-dai-du", unit=unit)
        tokens[name] = accounts.create_token(api.kho, f"vh-{name}", "tests")
    api.tokens.update(tokens)
    return tokens


def test_the_commune_files_the_province_returns_then_accepts(api, unit_tokens):
    url = f"/contributions/{COMMUNE}/2026"
    owed = api.call("xa", "GET", "/contributions/owed").get_json()["owed"]
    assert 2026 in [o["year"] for o in owed]

    saved = api.call("xa", "PUT", url, json={
        "results": "Tổ chức 3 hội nghị.\n\nPhát 12 bản tin.", "difficulties": "Thiếu loa.",
        "proposals": "Cấp thêm loa truyền thanh."})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["state"] == "draft"
    sent = api.call("xa", "POST", f"{url}/submit")
    assert sent.status_code == 200 and sent.get_json()["state"] == "submitted"

    board = api.call("so", "GET", "/contributions/checklist?year=2026").get_json()
    assert board["unit"]["code"] == PROVINCE_BODY
    rows = {r["unit"]["code"]: r for r in board["contributors"]}
    assert rows[COMMUNE]["state"] == "submitted" and rows[OTHER]["state"] == "missing"
    assert board["counts"]["expected"] == 3 and board["counts"]["done"] == 1

    back = api.call("so", "POST", f"{url}/return", json={"reason": "Bổ sung số liệu."})
    assert back.status_code == 200 and back.get_json()["state"] == "returned"
    assert api.call("xa", "GET", url).get_json()["return_reason"] == "Bổ sung số liệu."
    again = api.call("xa", "POST", f"{url}/submit",
                     json={"results": "Tổ chức 4 hội nghị.\n\nPhát 12 bản tin."})
    assert again.get_json()["state"] == "submitted"
    done = api.call("so", "POST", f"{url}/accept")
    assert done.status_code == 200 and done.get_json()["state"] == "accepted"
    history = [h["action"] for h in done.get_json()["history"]]
    assert history == ["contribution.save", "contribution.submit", "contribution.return",
                       "contribution.submit", "contribution.accept"]

    late = api.call("xa", "POST", f"{url}/submit", headers={"Accept-Language": "vi"})
    assert late.status_code == 409
    assert "đã được chấp nhận" in late.get_json()["message"]


def test_refusals(api, unit_tokens):
    other = api.call("xa", "PUT", f"/contributions/{OTHER}/2026", json={"results": "x"})
    assert other.status_code == 403
    own_review = api.call("xa", "POST", f"/contributions/{COMMUNE}/2026/accept")
    assert own_review.status_code == 403
    assert api.call("producer", "PUT", f"/contributions/{COMMUNE}/2026",
                    json={"results": "x"}).status_code == 403
    outside = api.call("xa", "PUT", f"/contributions/{COMMUNE}/2030", json={"results": "x"},
                       headers={"Accept-Language": "vi"})
    assert outside.status_code == 422 and "2030" in outside.get_json()["message"]
    assert outside.get_json()["fields"].keys() == {"year"}
    assert api.call("xa", "GET", "/contributions/checklist?year=2026").status_code == 422
    assert api.call("so", "GET", "/contributions/xa-khong-co/2026").status_code == 404
    unknown = api.call("xa", "PUT", f"/contributions/{COMMUNE}/2026", json={"ketqua": "x"})
    assert unknown.status_code == 422 and "ketqua" in unknown.get_json()["fields"]
    bad_ids = api.call("xa", "PUT", f"/contributions/{COMMUNE}/2026",
                       json={"product_ids": ["1"]})
    assert bad_ids.status_code == 422 and "product_ids" in bad_ids.get_json()["fields"]


def test_the_text_limit_is_in_the_document(api):
    from app.services.contributions.rules import MAX_TEXT

    doc = api.call(None, "GET", "/openapi.json").get_json()
    schema = doc["components"]["schemas"]["ContributionInput"]["properties"]["results"]
    assert schema["maxLength"] == MAX_TEXT and "20,000" in schema["description"]
