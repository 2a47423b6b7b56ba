"""The activity page names only the linked products the reader may see (issue 26): a
commune account sees "1 sản phẩm bạn không có quyền xem" where a closed recording is
linked — no title, no link — and the counts as they are; the edit form of an account
that may not see it neither lists the link nor drops it."""
from __future__ import annotations

from html import unescape

from sqlalchemy import select

SECRET = "Lễ cúng bến nước — bản ghi không phổ biến"


def _activity(kho_rt, actors, commune_code) -> tuple[int, int, int]:
    from app.services.activities.register import create_activity
    from archive.models import Product, Unit

    with kho_rt.transaction() as s:
        district = s.scalar(select(Unit.id).where(Unit.code == "phong-vhtt-kon-ray"))
        closed = Product(title=SECRET, status="ready", access_level="closed",
                         lead_unit_id=district)
        public = Product(title="Phóng sự mùa lúa mới", status="ready")
        s.add_all([closed, public])
        s.flush()
        ids = closed.id, public.id
    aid = create_activity(kho_rt, actors["admin"], {
        "kind": "training", "title": "Tập huấn truyền thông", "starts_on": "12/09/2025",
        "organiser": "xa-dak-koi-2025", "communes": ["xa-dak-koi-2025", commune_code],
        "participants": [{"target_group": "citizens", "total": 40}],
        "products": [{"product_id": ids[0], "use": "shown"},
                     {"product_id": ids[1], "use": "aired"}]})
    return aid, *ids


def test_a_commune_account_sees_that_a_product_is_linked_but_not_which(as_role, kho_rt, actors,
                                                                       commune_code):
    aid, closed, public = _activity(kho_rt, actors, commune_code)
    page = unescape(as_role("commune").get(f"/activities/{aid}").get_data(as_text=True))
    assert "Phóng sự mùa lúa mới" in page and f"/products/{public}" in page
    assert SECRET not in page and f"/products/{closed}" not in page
    assert "1 sản phẩm bạn không có quyền xem" in page
    assert "<th>40</th>" in page                       # the counts stay whole
    admin = unescape(as_role("admin").get(f"/activities/{aid}").get_data(as_text=True))
    assert SECRET in admin and "không có quyền xem" not in admin


def test_the_edit_form_keeps_a_link_its_writer_was_not_shown(as_role, kho_rt, actors,
                                                              commune_code):
    from app.services.access.accounts import add_user
    from app.services.activities.register import get_activity
    from tests.unit.web.conftest import PASSWORD, Browser

    aid, closed, public = _activity(kho_rt, actors, commune_code)
    add_user(kho_rt, "vanhoa-xa", "office", PASSWORD, unit="xa-dak-koi-2025")
    office = Browser(as_role("admin").client.application.test_client())
    assert office.login("vanhoa-xa").status_code == 302
    form = unescape(office.get(f"/activities/{aid}/edit").get_data(as_text=True))
    assert f"{public} aired" in form and f"{closed} shown" not in form
    assert "1 sản phẩm bạn không có quyền xem vẫn được giữ liên kết" in form
    activity, _ = get_activity(kho_rt, actors["admin"], aid)
    saved = office.post(f"/activities/{aid}/edit", {
        "kind": "training", "title": "Tập huấn truyền thông (sửa)", "starts_on": "12/09/2025",
        "organiser": "xa-dak-koi-2025", "communes": ["xa-dak-koi-2025", commune_code],
        "count-citizens-total": "40", "products": "", "version": str(activity.version)},
        token_from=f"/activities/{aid}/edit")
    assert saved.status_code == 302, unescape(saved.get_data(as_text=True))[:3000]
    activity, _ = get_activity(kho_rt, actors["admin"], aid)
    assert [(p.product_id, p.use) for p in activity.products] == [(closed, "shown")]
    assert activity.title == "Tập huấn truyền thông (sửa)"


def test_a_contribution_page_does_not_name_a_product_its_reader_may_not_see(as_role, kho_rt,
                                                                           actors, commune_code):
    from app.services.access.accounts import add_user
    from app.services.contributions.filing import save_contribution
    from tests.unit.web.conftest import PASSWORD, Browser

    _aid, closed, public = _activity(kho_rt, actors, commune_code)
    save_contribution(kho_rt, actors["admin"], "xa-dak-koi-2025", 2026,
                      {"product_ids": [closed, public]})
    add_user(kho_rt, "vanhoa-xa", "office", PASSWORD, unit="xa-dak-koi-2025")
    office = Browser(as_role("admin").client.application.test_client())
    assert office.login("vanhoa-xa").status_code == 302
    page = unescape(office.get("/contributions/xa-dak-koi-2025/2026").get_data(as_text=True))
    assert SECRET not in page and f'value="{public}"' in page
    assert "1 sản phẩm bạn không có quyền xem vẫn được giữ liên kết" in page
