"""Admin pages: users, API tokens (shown once, revocable), vocabularies and units."""
from __future__ import annotations

import re

from tests.unit.web.conftest import Browser, PASSWORD


def test_only_admins_see_admin_pages(as_role):
    for role in ("producer", "commune", "office"):
        b = as_role(role)
        for url in ("/admin/users", "/admin/tokens", "/admin/vocabularies",
                    "/admin/vocabularies/theme", "/admin/units"):
            assert b.get(url).status_code == 403, (role, url)
        assert b.post("/admin/users", {"username": "x1", "role": "admin",
                                       "password": PASSWORD}, token_from="/search")\
            .status_code == 403
        assert "/admin/users" not in b.get("/search").get_data(as_text=True)


def test_admin_adds_a_commune_user_who_can_sign_in(app, as_role, commune_code):
    b = as_role("admin")
    response = b.post("/admin/users", {"username": "xa.dakkoi", "role": "commune",
                                       "commune": commune_code, "password": PASSWORD,
                                       "display_name": "Đài xã"}, token_from="/admin/users")
    assert response.status_code == 302
    assert "xa.dakkoi" in b.get("/admin/users").get_data(as_text=True)
    assert Browser(app.test_client()).login("xa.dakkoi").status_code == 302


def test_bad_new_user_is_reported_not_created(as_role):
    b = as_role("admin")
    response = b.post("/admin/users", {"username": "Bad Name", "role": "producer",
                                       "password": "short"}, token_from="/admin/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "flash error" in page
    assert 'value="Bad Name"' in page                   # kept in the form to correct it
    assert "<b>bad name</b>" not in page.lower()        # not in the users table


def test_admin_disables_and_changes_role(app, as_role, actors, users):
    b = as_role("admin")
    office_id = actors["office"].user_id
    b.post(f"/admin/users/{office_id}", {"role": "producer"}, token_from="/admin/users")
    assert Browser(app.test_client()).login(users["office"]).status_code == 401
    b.post(f"/admin/users/{office_id}", {"role": "producer", "active": "on"},
           token_from="/admin/users")
    again = Browser(app.test_client())
    assert again.login(users["office"]).status_code == 302
    assert "/products/new" in again.get("/search").get_data(as_text=True)  # now a producer


def test_admin_cannot_disable_themself(as_role, actors):
    b = as_role("admin")
    page = b.post(f"/admin/users/{actors['admin'].user_id}", {"role": "admin"},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    assert "flash error" in page
    assert b.get("/admin/users").status_code == 200


def test_token_is_shown_once_and_can_be_revoked(app, as_role, kho_rt, users):
    from app.services.access.accounts import actor_for_token
    from archive.errors import AuthenticationRequired

    b = as_role("admin")
    page = b.post("/admin/tokens", {"username": users["producer"], "label": "máy quét"},
                  token_from="/admin/tokens").get_data(as_text=True)
    token = re.search(r'data-role="new-token">([^<]+)<', page).group(1)
    assert actor_for_token(kho_rt, token).username == users["producer"]
    listing = b.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing and token[:10] in listing and "máy quét" in listing
    token_id = int(re.search(r"/admin/tokens/(\d+)/revoke", listing).group(1))
    b.post(f"/admin/tokens/{token_id}/revoke", {"confirm": "yes"}, token_from="/admin/tokens")
    try:
        actor_for_token(kho_rt, token)
        raise AssertionError("revoked token still works")
    except AuthenticationRequired:
        pass


def test_admin_edits_term_labels_and_deactivates(as_role, kho_rt):
    from app.services.catalogue.vocabularies import list_vocabulary

    b = as_role("admin")
    channel = list_vocabulary(kho_rt, "channels")[0]
    b.post("/admin/vocabularies/channel", {"code": channel.code, "label_vi": "Loa xã mới",
                                           "label_en": "New loudspeaker", "active": "on"},
           token_from="/admin/vocabularies/channel")
    assert "Loa xã mới" in b.get("/products/new").get_data(as_text=True)
    b.post("/admin/vocabularies/channel", {"code": channel.code, "label_vi": "Loa xã mới",
                                           "label_en": ""},
           token_from="/admin/vocabularies/channel")
    form = b.get("/products/new").get_data(as_text=True).split('class="card metadata-form"')[1]
    assert "Loa xã mới" not in form          # (the message after saving names it)
    assert "Loa xã mới" in b.get("/admin/vocabularies/channel").get_data(as_text=True)


def test_admin_adds_a_term(as_role):
    b = as_role("admin")
    b.post("/admin/vocabularies/theme", {"action": "add", "code": "quyen-nguoi-cao-tuoi",
                                         "label_vi": "Quyền người cao tuổi"},
           token_from="/admin/vocabularies/theme")
    assert "Quyền người cao tuổi" in b.get("/products/new").get_data(as_text=True)


def test_admin_sets_unit_validity_and_successor(as_role, kho_rt, commune_code):
    from app.services.catalogue.vocabularies import list_vocabulary

    communes = [e for e in list_vocabulary(kho_rt, "communes") if e.flags["current"]]
    old, heir = communes[-1], communes[0]
    b = as_role("admin")
    b.post("/admin/units", {"code": old.code, "name": old.label_vi, "valid_from": "",
                            "valid_to": "30/06/2025", "successor": heir.code},
           token_from="/admin/units")
    entry = next(e for e in list_vocabulary(kho_rt, "communes") if e.code == old.code)
    assert entry.flags["valid_to"] == "2025-06-30" and entry.flags["successor"] == heir.code
    assert entry.flags["current"] is False
    bad = b.post("/admin/units", {"code": old.code, "name": old.label_vi,
                                  "valid_to": "31/31/2025", "successor": ""},
                 token_from="/admin/units")
    assert bad.status_code == 422         # shown in its row, with what was typed
    assert "31/31/2025 không phải là ngày có thật" in bad.get_data(as_text=True)
