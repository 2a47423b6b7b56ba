"""Broadcast log on the product page: the part of the day asked for (two airings of a
day are two logs), the outcome beside the form (success said plainly, a refusal naming
the field with what was typed kept), every form answered with a redirect to a page (a
reload sends nothing again; a refusal is shown once), the form only where there is
something to air, withdrawal with a confirming step; the list per commune."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from tests.unit.web.media import png_bytes, wav_file


def _section(html: str) -> str:
    """The product page's broadcast section ('' if the page has none)."""
    found = re.search(r'<section class="broadcasts" id="broadcasts".*?</section>', html, re.S)
    return found.group(0) if found else ""


def _log(b, product_id: int, **data):
    data.setdefault("csrf_token", b.token(f"/products/{product_id}"))
    return b.client.post(f"/products/{product_id}/broadcasts", data=data)


def _today(kho_rt):
    from app.services.common.clock import local_today

    return local_today(kho_rt.settings)


def _page_after(b, response) -> str:
    """The broadcast section of the page a form's redirect leads to."""
    assert response.status_code == 302, response.status_code
    return _section(b.get(response.headers["Location"]).get_data(as_text=True))


def _logs(b) -> int:
    return b.get("/broadcasts").get_data(as_text=True).count('<tr><td>')


def test_a_log_is_confirmed_beside_the_form_in_plain_words(as_role, airable_product_id):
    b = as_role("commune")
    response = _log(b, airable_product_id, aired_on="2025-08-15", slot="morning",
                    note="Bản tin sáng")
    assert response.status_code == 302
    assert re.search(rf"/products/{airable_product_id}\?logged=\d+#broadcasts$",
                     response.headers["Location"])
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    section = _section(page)
    assert re.search(r'class="flash ok broadcast-outcome"[^>]*>Đã ghi nhận: phát buổi sáng '
                     r"ngày 15/08/2025 trên đài xã ", section)
    assert "Bản tin sáng" in section
    assert page.count("Đã ghi nhận") == 1            # beside the form, not also on top
    listing = b.get("/broadcasts").get_data(as_text=True)
    assert "15/08/2025" in listing and "Quyền trẻ em ở Kon Rẫy" in listing
    assert "1 lượt phát sóng" in listing


def test_the_form_asks_for_the_part_of_the_day(as_role, airable_product_id):
    section = _section(as_role("commune").get(f"/products/{airable_product_id}")
                       .get_data(as_text=True))
    slots = re.search(r'<fieldset class="slot-choice"><legend>Buổi phát</legend>(.*?)'
                      r"</fieldset>", section, re.S).group(1)
    assert re.findall(r'<input type="radio" name="slot" value="(\w+)" required>', slots) \
        == ["morning", "noon", "afternoon", "evening"]
    assert re.findall(r"> (\w+)</label>", slots) == ["Sáng", "Trưa", "Chiều", "Tối"]


def test_two_airings_of_a_day_are_both_logged_and_shown(as_role, airable_product_id):
    b = as_role("commune")
    pid = airable_product_id
    _log(b, pid, aired_on="15/08/2025", slot="morning")
    section = _page_after(b, _log(b, pid, aired_on="15/08/2025", slot="evening"))
    assert "Đã ghi nhận: phát buổi tối ngày 15/08/2025" in section
    shown = re.findall(r'<li id="broadcast-\d+"><span>([^<—]*)', section)
    assert [s.split(" trên đài")[0] for s in shown] == [
        "Đã phát buổi tối ngày 15/08/2025", "Đã phát buổi sáng ngày 15/08/2025"]
    listing = b.get("/broadcasts").get_data(as_text=True)
    assert listing.count("<tr><td>15/08/2025") == 2 and "2 lượt phát sóng" in listing
    assert '<span class="slot">Tối</span>' in listing


def test_a_refused_log_comes_back_to_the_product_page_keeping_what_was_typed(
        as_role, kho_rt, airable_product_id):
    b = as_role("commune")
    pid = airable_product_id
    future = (_today(kho_rt) + timedelta(days=3)).strftime("%d/%m/%Y")
    cases = [(future, "morning", f"Ngày phát: ngày {future} chưa đến"),
             ("31/02/2025", "morning", "Ngày phát: 31/02/2025 không phải là ngày có thật"),
             ("hôm qua", "morning", "Ngày phát: hôm qua không phải là ngày"),
             ("01/01/2024", "morning", "Ngày phát: ngày 01/01/2024 sớm hơn ngày sản xuất "
                                       "sản phẩm (31/05/2024)"),
             ("01/06/2025", "noon", "Ngày phát: Xã Đăk Kôi chỉ tồn tại từ 01/07/2025; "
                                    "ngày 01/06/2025 thuộc về đơn vị cũ: Xã Đăk Kôi, "
                                    "Xã Đăk Tơ Lung."),
             ("15/08/2025", "đêm", "Buổi phát: đêm không phải là buổi phát")]
    assert _log(b, pid, aired_on="15/08/2025", slot="morning").status_code == 302
    cases.append(("15/08/2025", "morning", "Ngày phát: đã ghi rồi: xã") )
    for typed, slot, words in cases:
        response = _log(b, pid, aired_on=typed, slot=slot, note="Phát lúc 6 giờ")
        assert response.status_code == 302, typed       # never a page at the form's URL
        assert response.headers["Location"] == f"/products/{pid}#broadcasts", typed
        section = _page_after(b, response)
        assert re.search(r'class="flash error broadcast-outcome"[^>]*role="alert">'
                         + re.escape(words), section, re.I), (typed, section[:600])
        assert f'name="aired_on" value="{typed}"' in section            # kept as typed
        assert 'aria-invalid="true" aria-describedby="broadcast-outcome"' in section
        assert 'name="note" maxlength="1000" value="Phát lúc 6 giờ"' in section
        if slot != "đêm":
            assert f'value="{slot}" required checked' in section
        again = _section(b.get(f"/products/{pid}").get_data(as_text=True))   # a reload
        assert "broadcast-outcome" not in again and "Phát lúc 6 giờ" not in again
    assert b.get("/broadcasts").get_data(as_text=True).count("<tr><td>15/08/2025") == 1


def test_a_kept_refusal_is_shown_once_and_only_on_its_product(as_role, kho_rt, actors,
                                                             airable_product_id):
    from app.services.catalogue.products import create_product
    from tests.broadcast_copies import give_broadcast_copy

    b = as_role("commune")
    other = create_product(kho_rt, actors["producer"], {"title": "Bản tin khác"})
    give_broadcast_copy(kho_rt, other)
    _log(b, airable_product_id, aired_on="31/02/2025", slot="noon")
    assert "broadcast-outcome" not in _section(b.get(f"/products/{other}")
                                                .get_data(as_text=True))
    assert "broadcast-outcome" not in _section(b.get(f"/products/{airable_product_id}")
                                                .get_data(as_text=True))  # went elsewhere


def test_the_form_posts_to_the_section_so_the_browser_lands_beside_it(as_role,
                                                                     airable_product_id):
    section = _section(as_role("commune").get(f"/products/{airable_product_id}")
                       .get_data(as_text=True))
    assert f'action="/products/{airable_product_id}/broadcasts#broadcasts"' in section


def test_the_form_is_only_on_products_with_something_to_air(as_role, kho_rt, actors,
                                                           product_id, tmp_path):
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    b = as_role("commune")
    assert _section(b.get(f"/products/{product_id}").get_data(as_text=True)) == ""  # draft
    poster = create_product(kho_rt, actors["producer"], {"title": "Áp phích"})
    receive(kho_rt, actors["producer"], poster, io.BytesIO(png_bytes()),
            "áp phích.png")
    assert 'name="aired_on"' not in b.get(f"/products/{poster}").get_data(as_text=True)
    refused = _log(b, poster, aired_on="15/08/2025")      # a hand-made request: refused
    assert refused.headers["Location"] == f"/products/{poster}#broadcasts"
    assert "chưa có bản MP3 phát thanh hay video xem được" in _page_after(b, refused)
    with wav_file(tmp_path / "tone.wav").open("rb") as stream:   # processed for real
        receive(kho_rt, actors["producer"], product_id, stream, "Bản tin.wav")
    assert 'name="aired_on"' in _section(b.get(f"/products/{product_id}")
                                         .get_data(as_text=True))


def test_the_author_withdraws_a_log_after_confirming_and_it_leaves_the_lists(
        as_role, airable_product_id):
    b = as_role("commune")
    pid = airable_product_id
    logged = b.get(_log(b, pid, aired_on="15/08/2025", slot="afternoon").headers["Location"])
    section = _section(logged.get_data(as_text=True))
    log_id = re.search(r'id="broadcast-(\d+)"', section).group(1)
    confirm = re.search(r'<details class="withdraw"><summary>Rút lại…</summary>(.*?)</details>',
                        section, re.S).group(1)    # the button only shows once opened
    assert f'action="/broadcasts/{log_id}/withdraw#broadcasts"' in confirm
    assert "Có, rút lại" in confirm and "không còn được tính" in confirm
    done = b.post(f"/broadcasts/{log_id}/withdraw", {}, token_from=f"/products/{pid}")
    assert done.headers["Location"].endswith(f"/products/{pid}?withdrawn={log_id}#broadcasts")
    section = _section(b.get(done.headers["Location"]).get_data(as_text=True))
    assert re.search(r'class="flash ok broadcast-outcome"[^>]*>Đã rút lại: lần phát buổi '
                     r"chiều ngày 15/08/2025 trên đài xã .* không còn được tính", section)
    assert f'id="broadcast-{log_id}"' not in section and "Chưa được ghi nhận" in section
    assert "<tr><td>15/08/2025" not in b.get("/broadcasts").get_data(as_text=True)
    again = b.post(f"/broadcasts/{log_id}/withdraw", {}, token_from=f"/products/{pid}")
    assert again.headers["Location"] == f"/products/{pid}#broadcasts"   # no resend on reload
    assert "bản ghi này đã được rút lại" in _page_after(b, again)
    history = b.get(f"/products/{pid}").get_data(as_text=True)
    assert "commune1 đã ghi nhận Xã Đăk Kôi phát sóng buổi chiều ngày 15/08/2025" in history
    assert "commune1 đã rút lại ghi nhận Xã Đăk Kôi phát sóng buổi chiều ngày 15/08/2025" \
        in history


def test_after_the_day_only_an_admin_may_withdraw(as_role, kho_rt, airable_product_id):
    from archive.models import Broadcast

    staff, admin = as_role("commune"), as_role("admin")
    pid = airable_product_id
    _log(staff, pid, aired_on="15/08/2025")
    with kho_rt.transaction() as s:                 # written yesterday
        row = s.query(Broadcast).one()
        row.created_at = row.created_at - timedelta(days=1)
        log_id = row.id
    assert "Rút lại…" not in _section(staff.get(f"/products/{pid}").get_data(as_text=True))
    refused = staff.post(f"/broadcasts/{log_id}/withdraw", {}, token_from=f"/products/{pid}")
    assert "hãy nhờ quản trị viên rút lại" in _page_after(staff, refused)
    for role in ("producer", "office"):
        other = as_role(role)
        assert "Rút lại…" not in other.get(f"/products/{pid}").get_data(as_text=True)
        assert other.post(f"/broadcasts/{log_id}/withdraw", {},
                          token_from="/search").status_code == 403
    assert "Rút lại…" in _section(admin.get(f"/products/{pid}").get_data(as_text=True))
    done = admin.post(f"/broadcasts/{log_id}/withdraw", {}, token_from=f"/products/{pid}")
    assert done.status_code == 302


def test_admin_withdraws_from_the_list_keeping_its_filters(as_role, airable_product_id,
                                                          commune_code):
    admin = as_role("admin")
    _log(admin, airable_product_id, aired_on="03/08/2025", commune=commune_code)
    listing = admin.get(f"/broadcasts?commune={commune_code}&year=2025").get_data(as_text=True)
    log_id = re.search(r'action="/broadcasts/(\d+)/withdraw"', listing).group(1)
    assert '<input type="hidden" name="back" value="list">' in listing
    done = admin.post(f"/broadcasts/{log_id}/withdraw",
                      {"back": "list", "commune": commune_code, "year": "2025"},
                      token_from="/broadcasts")
    assert done.status_code == 302
    assert f"withdrawn={log_id}" in done.headers["Location"]
    assert "year=2025" in done.headers["Location"]
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã rút lại: lần phát ngày 03/08/2025" in page
    assert "Chưa ghi lần phát nào." in page
    twice = admin.post(f"/broadcasts/{log_id}/withdraw", {"back": "list"},
                       token_from="/broadcasts")     # a second tab, or a double click
    assert twice.status_code == 302 and twice.headers["Location"] == "/broadcasts"
    listing = admin.get("/broadcasts").get_data(as_text=True)
    assert "bản ghi này đã được rút lại" in listing
    assert "bản ghi này đã được rút lại" not in admin.get("/broadcasts").get_data(
        as_text=True)                                # shown once: a reload is plain


def test_producer_and_office_see_no_form_and_cannot_log(as_role, airable_product_id):
    for role in ("producer", "office"):
        b = as_role(role)
        page = b.get(f"/products/{airable_product_id}").get_data(as_text=True)
        assert 'name="aired_on"' not in page
        response = b.post(f"/products/{airable_product_id}/broadcasts",
                          {"aired_on": "2025-01-01"}, token_from="/search")
        assert response.status_code == 403


def test_admin_picks_the_commune_kept_after_an_error_and_lists_filter(as_role, kho_rt,
                                                                      airable_product_id,
                                                                      commune_code):
    b = as_role("admin")
    pid = airable_product_id
    assert 'name="commune"' in b.get(f"/products/{pid}").get_data(as_text=True)
    future = (_today(kho_rt) + timedelta(days=1)).strftime("%d/%m/%Y")
    refused = _page_after(b, _log(b, pid, aired_on=future, commune=commune_code))
    assert f'<option value="{commune_code}" selected>' in refused
    assert "(đã sáp nhập)</option>" in refused     # a former commune, for older airings
    early = _page_after(b, _log(b, pid, aired_on="01/06/2025", commune=commune_code))
    assert "Xã: Xã Đăk Kôi chỉ tồn tại từ 01/07/2025" in early
    old = _page_after(b, _log(b, pid, aired_on="01/06/2025", commune="xa-dak-to-lung"))
    assert "Đã ghi nhận: phát ngày 01/06/2025 trên đài xã Đăk Tơ Lung." in old
    _log(b, pid, aired_on="03/08/2025", commune=commune_code)
    assert "03/08/2025" in b.get(f"/broadcasts?commune={commune_code}&year=2025")\
        .get_data(as_text=True)
    assert "03/08/2025" not in b.get("/broadcasts?year=2024").get_data(as_text=True)
    assert "flash error" in b.get("/broadcasts?year=abc").get_data(as_text=True)
