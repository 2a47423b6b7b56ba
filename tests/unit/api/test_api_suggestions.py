"""Language suggestions sit with the other suggestions in the product's JSON, each with
its reason in the requester's language; the API confirms one by setting the
product's languages."""
from __future__ import annotations

import io

BAHNAR = ("Bơngai Bahnar oei tơ̆ tơring teh âu athei tơbăt tơdrong vei lăng bri 'long. Ƀok "
          "A Nhơn tơroi: inh păng bơ̆n rim năr năm jang tơ̆ mir, ưh kơ chă koh 'long lơ̆m "
          "bri.").encode("utf-8")


def test_a_bahnar_text_gets_a_ba_na_suggestion_in_the_products_json(api):
    product = api.create(title="Bản tin phát thanh", languages=[])
    upload = api.call("producer", "POST", f"/products/{product['id']}/files",
                      data={"file": [(io.BytesIO(BAHNAR), "ban-tin.txt")]},
                      content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    path = f"/products/{product['id']}"
    body = api.call("producer", "GET", path, headers={"Accept-Language": "vi"}).get_json()
    assert body["languages"] == []                       # suggested, not set
    [bdq] = [s for s in body["suggestions"] if s["kind"] == "language"]
    assert (bdq["code"], bdq["by"], bdq["score"]) == ("bdq", "orthography", 1.0)
    assert bdq["reason"].startswith("có chữ ") and bdq["reason"].endswith(
        "thường gặp trong tiếng Ba Na")
    english = api.call("producer", "GET", path, headers={"Accept-Language": "en"}).get_json()
    [bdq] = [s for s in english["suggestions"] if s["kind"] == "language"]
    assert bdq["reason"].startswith("has the letters ") and bdq["reason"].endswith(
        "common in Bahnar")
    themes = [s for s in english["suggestions"] if s["kind"] != "language"]
    assert all("reason" not in s for s in themes)
    changed = api.call("producer", "PATCH", path, json={"languages": ["bdq"]})
    assert changed.status_code == 200, changed.get_json()
    body = api.call("producer", "GET", path).get_json()
    assert [t["code"] for t in body["languages"]] == ["bdq"]
    assert not [s for s in body["suggestions"] if s["kind"] == "language"]
