"""Broadcast log: commune staff log airing from the product page; lists per commune."""
from __future__ import annotations

from datetime import date, timedelta


def test_commune_logs_a_broadcast_from_the_product_page(as_role, airable_product_id):
    product_id = airable_product_id
    b = as_role("commune")
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'name="aired_on"' in page
    response = b.post(f"/products/{product_id}/broadcasts",
                      {"aired_on": "2025-08-15", "note": "Bản tin sáng"},
                      token_from=f"/products/{product_id}")
    assert response.status_code == 302
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert "15/08/2025" in page and "Bản tin sáng" in page
    listing = b.get("/broadcasts").get_data(as_text=True)
    assert "15/08/2025" in listing and "Quyền trẻ em ở Kon Rẫy" in listing


def test_same_day_twice_and_future_dates_are_refused_with_a_message(as_role,
                                                                   airable_product_id):
    product_id = airable_product_id
    b = as_role("commune")
    token = b.token(f"/products/{product_id}")
    url = f"/products/{product_id}/broadcasts"
    b.client.post(url, data={"aired_on": "2025-08-15", "csrf_token": token})
    again = b.client.post(url, data={"aired_on": "15/08/2025", "csrf_token": token},
                          follow_redirects=True)
    assert "flash error" in again.get_data(as_text=True)
    future = (date.today() + timedelta(days=3)).isoformat()
    later = b.client.post(url, data={"aired_on": future, "csrf_token": token},
                          follow_redirects=True)
    assert "flash error" in later.get_data(as_text=True)
    assert b.get("/broadcasts").get_data(as_text=True).count("15/08/2025") == 1


def test_producer_and_office_cannot_log_broadcasts(as_role, airable_product_id):
    product_id = airable_product_id
    for role in ("producer", "office"):
        b = as_role(role)
        assert 'name="aired_on"' not in b.get(f"/products/{product_id}").get_data(as_text=True)
        response = b.post(f"/products/{product_id}/broadcasts", {"aired_on": "2025-01-01"},
                          token_from="/search")
        assert response.status_code == 403


def test_admin_picks_the_commune_and_list_filters_by_commune_and_year(as_role,
                                                                     airable_product_id,
                                                                     commune_code):
    product_id = airable_product_id
    b = as_role("admin")
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'name="commune"' in page
    b.post(f"/products/{product_id}/broadcasts",
           {"aired_on": "03/02/2024", "commune": commune_code}, token_from="/search")
    assert "03/02/2024" in b.get(f"/broadcasts?commune={commune_code}&year=2024")\
        .get_data(as_text=True)
    assert "03/02/2024" not in b.get("/broadcasts?year=2023").get_data(as_text=True)
    assert "flash error" in b.get("/broadcasts?year=abc").get_data(as_text=True)
