"""Near-duplicates on the pages: the upload answer and the polled status carry the flag
naming the first product, the product and upload pages show it with a link and the two
answers ("Cùng một tác phẩm" / "Khác tác phẩm", POST then back), and the answer is
remembered and told in the history."""
from __future__ import annotations

import io
import re

import pytest

from tests.unit.ingest import likeness_media as made


@pytest.fixture(scope="module")
def posters(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("posters")
    first = made.poster(31, layout=2)
    return {"poster": made.save(first, folder / "a.jpg").read_bytes(),
            "rescan": made.save(made.rescan(first, 5), folder / "b.jpg").read_bytes()}


@pytest.fixture
def pair(kho_rt, actors, posters) -> dict[str, int]:
    """Product A with the poster; product B, empty, for its re-scan."""
    from app.services.catalogue.products import create_product
    from app.services.files.intake import receive

    a = create_product(kho_rt, actors["producer"], {"title": "Tranh phòng chống thiên tai"})
    got = receive(kho_rt, actors["producer"], a, io.BytesIO(posters["poster"]),
                  "tranh-goc.jpg")
    b = create_product(kho_rt, actors["producer"], {"title": "Tranh quét lại"})
    return {"a": a, "a_file": got.file_id, "b": b}


def _script_upload(browser, product_id: int, content: bytes, name: str):
    return browser.client.post(f"/products/{product_id}/files", data=content,
                               headers={"Content-Type": "application/octet-stream",
                                        "X-CSRFToken": browser.token("/search"),
                                        "X-File-Name": name, "Accept": "application/json"})


def test_the_upload_answer_names_the_first_product_with_the_two_answers(as_role, pair,
                                                                       posters):
    b = as_role("producer")
    response = _script_upload(b, pair["b"], posters["rescan"], "tranh-quet-lai.jpg")
    assert response.status_code == 201
    body = response.get_json()
    assert [(f["product_id"], f["file_id"], f["kind"]) for f in body["near_duplicates"]] == [
        (pair["a"], pair["a_file"], "image")]
    notice = next(n for n in body["notices"] if n["code"] == "near_duplicate")
    assert notice["text"] == (f"Ảnh này gần giống tranh-goc.jpg trong sản phẩm #{pair['a']} "
                              "“Tranh phòng chống thiên tai”.")
    assert notice["link"] == f"sản phẩm #{pair['a']}"
    assert notice["url"] == f"/products/{pair['a']}"
    assert [a["label"] for a in notice["answers"]] == ["Cùng một tác phẩm", "Khác tác phẩm"]
    assert notice["answer_url"] == (f"/products/{pair['b']}/files/{body['file_id']}"
                                    f"/near-duplicates/{pair['a_file']}")
    status = b.get(f"/products/{pair['b']}/status.json").get_json()
    assert status["files"][0]["notices"][0]["text"] == notice["text"]


def test_the_product_page_names_the_other_product_and_remembers_the_answer(as_role, pair,
                                                                          posters):
    b = as_role("producer")
    file_id = _script_upload(b, pair["b"], posters["rescan"], "quet.jpg").get_json()["file_id"]
    page = b.get(f"/products/{pair['b']}").get_data(as_text=True)
    assert "Ảnh này gần giống tranh-goc.jpg trong " in page
    assert f'<a href="/products/{pair["a"]}">sản phẩm #{pair["a"]}</a>' in page
    assert "Cùng một tác phẩm" in page and "Khác tác phẩm" in page
    # the first product's page names the second
    first = b.get(f"/products/{pair['a']}").get_data(as_text=True)
    assert f'<a href="/products/{pair["b"]}">sản phẩm #{pair["b"]}</a>' in first
    response = b.post(f"/products/{pair['b']}/files/{file_id}/near-duplicates/{pair['a_file']}",
                      {"answer": "same", "back": "product"}, token_from=f"/products/{pair['b']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{pair['b']}")
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Đã ghi nhận: cùng một tác phẩm với sản phẩm #{pair['a']}" in page
    assert "producer1 đã trả lời: cùng một tác phẩm (số liệu chỉ tính một lần)." in page
    assert re.search(r'value="same" aria-pressed="true"', page)
    assert "producer1 đã trả lời: quet.jpg là cùng một tác phẩm với tranh-goc.jpg trong " \
           f"sản phẩm #{pair['a']}" in page          # the history says it too


def test_the_upload_page_lists_the_flag_and_comes_back_after_an_answer(as_role, pair, posters):
    b = as_role("producer")
    file_id = _script_upload(b, pair["b"], posters["rescan"], "quet.jpg").get_json()["file_id"]
    page = b.get(f"/products/{pair['b']}/upload").get_data(as_text=True)
    assert 'data-role="near-duplicates"' in page and 'name="back" value="upload"' in page
    response = b.post(f"/products/{pair['b']}/files/{file_id}/near-duplicates/{pair['a_file']}",
                      {"answer": "different", "back": "upload"},
                      token_from=f"/products/{pair['b']}/upload")
    assert response.headers["Location"].endswith(f"/products/{pair['b']}/upload")
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Đã ghi nhận: tác phẩm khác với sản phẩm #{pair['a']}." in page
    assert "producer1 đã trả lời: khác tác phẩm." in page


def test_a_form_upload_without_script_flashes_the_flag(as_role, pair, posters):
    b = as_role("producer")
    response = b.post(f"/products/{pair['b']}/files",
                      {"files": (io.BytesIO(posters["rescan"]), "quet.jpg")},
                      token_from=f"/products/{pair['b']}/upload",
                      content_type="multipart/form-data")
    assert response.status_code == 302
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert f'trong <a href="/products/{pair["a"]}">sản phẩm #{pair["a"]}</a>' in page


def test_readers_see_the_flag_without_answers_and_a_bad_answer_is_refused(as_role, pair,
                                                                         posters):
    b = as_role("producer")
    file_id = _script_upload(b, pair["b"], posters["rescan"], "quet.jpg").get_json()["file_id"]
    page = as_role("commune").get(f"/products/{pair['b']}").get_data(as_text=True)
    assert "Ảnh này gần giống" in page and "Cùng một tác phẩm" not in page
    url = f"/products/{pair['b']}/files/{file_id}/near-duplicates/{pair['a_file']}"
    office = as_role("office")
    assert office.post(url, {"answer": "same"}, token_from="/search").status_code == 403
    response = b.post(url, {"answer": "maybe"}, token_from="/search")
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "hãy trả lời bằng same or different" in page
