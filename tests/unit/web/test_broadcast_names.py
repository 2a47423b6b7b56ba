"""Who logged a broadcast is named by full name (display name) on the product page's
broadcast log and on /broadcasts, never by login name; the login when no name is set."""
from __future__ import annotations

import re


def _named(kho_rt, username: str, display_name: str) -> None:
    from archive.models import User

    with kho_rt.transaction() as session:
        session.query(User).filter(User.username == username).one().display_name = display_name


def _log(b, product_id: int, aired_on: str) -> None:
    response = b.client.post(f"/products/{product_id}/broadcasts", data={
        "aired_on": aired_on, "csrf_token": b.token(f"/products/{product_id}")})
    assert response.status_code == 302


def _broadcast_section(b, product_id: int) -> str:
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    found = re.search(r'<section class="broadcasts".*?</section>', page, re.S)
    assert found, "no broadcast section"
    return found.group(0)


def _list_rows(b) -> str:
    page = b.get("/broadcasts").get_data(as_text=True)
    found = re.search(r"<tbody.*?</tbody>", page, re.S)
    assert found, "no broadcast rows"
    return found.group(0)


def test_the_logger_is_named_by_full_name_on_the_product_and_the_list(
        as_role, kho_rt, users, airable_product_id):
    _named(kho_rt, users["commune"], "Lê Văn Tư")
    staff = as_role("commune")
    _log(staff, airable_product_id, "15/08/2025")
    for shown in (_broadcast_section(staff, airable_product_id), _list_rows(staff),
                  _list_rows(as_role("office"))):
        assert "Lê Văn Tư" in shown
        assert users["commune"] not in shown


def test_the_login_name_when_no_full_name_is_set(as_role, kho_rt, users,
                                                 airable_product_id):
    _named(kho_rt, users["commune"], " ")
    staff = as_role("commune")
    _log(staff, airable_product_id, "16/08/2025")
    assert f"({users['commune']})" in _broadcast_section(staff, airable_product_id)
    assert users["commune"] in _list_rows(staff)
