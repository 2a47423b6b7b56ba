"""Admin users page: a new password for a user who forgot theirs (their open browser
sessions are signed out), and moving a commune account to another current commune."""
from __future__ import annotations

import re

from tests.unit.web.conftest import PASSWORD, Browser

NEW = "mật-khẩu-mới-dài"


def _row(page: str, user_id: int) -> str:
    found = re.search(rf'<tr id="user-{user_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for user {user_id}"
    return found.group(1)


def _shown_commune(page: str, user_id: int) -> str:
    selected = re.search(r'<option value="([^"]*)" selected>([^<]*)</option>',
                         _row(page, user_id))
    return selected.group(2) if selected else ""


def _other_current_commune(kho_rt, code: str):
    from app.services.catalogue.vocabularies import list_vocabulary

    mine = next(e for e in list_vocabulary(kho_rt, "communes") if e.code == code)
    return next(e for e in list_vocabulary(kho_rt, "communes")
                if e.flags["current"] and e.label_vi != mine.label_vi)


def test_admin_sets_a_new_password_and_the_user_signs_in_with_it(app, as_role, actors,
                                                                 users):
    b = as_role("admin")
    page = b.post(f"/admin/users/{actors['commune'].user_id}/password", {"password": NEW},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    assert "flash ok" in page and users["commune"] in page
    assert Browser(app.test_client()).login(users["commune"], PASSWORD).status_code == 401
    assert Browser(app.test_client()).login(users["commune"], NEW).status_code == 302


def test_the_users_open_browser_session_is_signed_out(as_role, actors):
    operator = as_role("commune")
    assert operator.get("/search").status_code == 200
    as_role("admin").post(f"/admin/users/{actors['commune'].user_id}/password",
                          {"password": NEW}, token_from="/admin/users")
    response = operator.get("/search")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert operator.login("commune1", NEW).status_code == 302
    assert operator.get("/search").status_code == 200


def test_an_admin_who_sets_their_own_password_stays_signed_in(app, as_role, actors, users):
    b = as_role("admin")
    b.post(f"/admin/users/{actors['admin'].user_id}/password", {"password": NEW},
           token_from="/admin/users")
    assert b.get("/admin/users").status_code == 200
    assert Browser(app.test_client()).login(users["admin"], NEW).status_code == 302


def test_a_session_without_a_password_stamp_counts_as_signed_out(browser, actors):
    with browser.client.session_transaction() as session:   # made before this version
        session["uid"] = actors["office"].user_id
    assert browser.get("/search").status_code == 302


def test_non_admins_cannot_set_passwords(app, as_role, actors, users):
    for role in ("producer", "commune", "office"):
        b = as_role(role)
        response = b.post(f"/admin/users/{actors['admin'].user_id}/password",
                          {"password": NEW}, token_from="/search")
        assert response.status_code == 403, role
    assert Browser(app.test_client()).login(users["admin"]).status_code == 302


def test_a_short_password_is_refused_with_the_field_message(app, as_role, actors, users):
    b = as_role("admin")
    page = b.post(f"/admin/users/{actors['office'].user_id}/password", {"password": "ngan"},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    # names the account and the field, as the row shows it
    assert ('<p class="flash error" role="status" tabindex="-1" autofocus data-role="error-summary">'
            'office1 · Mật khẩu mới: mật khẩu phải có ít nhất 8 ký tự</p>') in page
    assert Browser(app.test_client()).login(users["office"]).status_code == 302


def test_admin_moves_a_commune_account_to_another_commune(as_role, actors, kho_rt,
                                                          commune_code, airable_product_id):
    product_id = airable_product_id
    operator = as_role("commune")
    b = as_role("admin")
    uid = actors["commune"].user_id
    before = b.get("/admin/users").get_data(as_text=True)
    target = _other_current_commune(kho_rt, commune_code)
    assert _shown_commune(before, uid) != target.label_vi
    page = b.post(f"/admin/users/{uid}", {"role": "commune", "active": "on",
                                          "commune": target.code},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    assert "flash ok" in page
    assert _shown_commune(page, uid) == target.label_vi
    operator.post(f"/products/{product_id}/broadcasts", {"aired_on": "2025-08-15"},
                  token_from=f"/products/{product_id}")      # still signed in, new commune
    listing = operator.get("/broadcasts").get_data(as_text=True)
    assert "15/08/2025" in listing and target.label_vi in listing


def test_a_merged_commune_is_refused_naming_the_commune(as_role, actors, commune_code):
    b = as_role("admin")
    uid = actors["commune"].user_id
    before = _shown_commune(b.get("/admin/users").get_data(as_text=True), uid)
    page = b.post(f"/admin/users/{uid}", {"role": "commune", "active": "on",
                                          "commune": "xa-tan-lap"},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    error = re.search(r'<p class="flash error"[^>]*>([^<]*)</p>', page).group(1)
    # 30/06/2025 was its last day: it was merged after it, into the commune named
    assert "Xã Tân Lập (xa-tan-lap) đã sáp nhập vào Xã " in error
    assert "sau ngày 30/06/2025" in error and "không còn" not in error
    assert "xa-kon-braih-2025" in error
    assert _shown_commune(page, uid) == before


def test_the_users_page_is_in_vietnamese_and_english(as_role):
    b = as_role("admin")
    page = b.get("/admin/users").get_data(as_text=True)
    assert 'placeholder="Mật khẩu mới"' in page and ">Đặt mật khẩu</button>" in page
    assert 'aria-label="Đơn vị (commune1)"' in page
    b.get("/lang/en")
    english = b.get("/admin/users").get_data(as_text=True)
    assert 'placeholder="New password"' in english and ">Set password</button>" in english
