"""Editing metadata (producer, admin) and deleting (admin only, confirmed, audited)."""
from __future__ import annotations


def test_producer_edits_metadata_and_the_change_is_recorded(as_role, kho_rt, actors,
                                                            product_id):
    from app.services.catalogue.products import product_history

    b = as_role("producer")
    page = b.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="Quyền trẻ em ở Kon Rẫy"' in page
    assert 'value="31/05/2024"' in page
    response = b.post(f"/products/{product_id}/edit",
                      {"title": "Quyền trẻ em (bản sửa)", "produced_on": "01/06/2024"},
                      token_from=f"/products/{product_id}/edit")
    assert response.status_code == 302
    history = product_history(kho_rt, actors["admin"], product_id)
    change = next(h for h in history if h["type"] == "change" and h["action"] == "update")
    assert change["user"] == "producer1"
    assert change["changes"]["title"] == ["Quyền trẻ em ở Kon Rẫy", "Quyền trẻ em (bản sửa)"]
    shown = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert "Quyền trẻ em (bản sửa)" in shown and "01/06/2024" in shown


def test_edit_with_errors_shows_the_field(as_role, product_id):
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/edit", {"title": ""},
                      token_from=f"/products/{product_id}/edit")
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)


def test_commune_and_office_cannot_edit_or_delete(as_role, product_id):
    for role in ("commune", "office"):
        b = as_role(role)
        assert b.get(f"/products/{product_id}/edit").status_code == 403
        response = b.post(f"/products/{product_id}/edit", {"title": "x"}, token_from="/search")
        assert response.status_code == 403
        assert b.get(f"/products/{product_id}/delete").status_code == 403
        page = b.get(f"/products/{product_id}").get_data(as_text=True)
        assert f"/products/{product_id}/edit" not in page
    producer = as_role("producer")
    assert producer.get(f"/products/{product_id}/delete").status_code == 403
    assert producer.post(f"/products/{product_id}/delete", {"confirm": "yes"},
                         token_from="/search").status_code == 403


def test_admin_deletes_after_confirming_and_an_audit_record_stays(as_role, kho_rt,
                                                                  product_id):
    from sqlalchemy import select

    from archive.models import ProductChange

    b = as_role("admin")
    confirm_page = b.get(f"/products/{product_id}/delete")
    assert confirm_page.status_code == 200
    assert 'name="confirm" value="yes"' in confirm_page.get_data(as_text=True)
    assert b.get(f"/products/{product_id}").status_code == 200  # nothing deleted by GET
    response = b.post(f"/products/{product_id}/delete", {"confirm": "yes"},
                      token_from=f"/products/{product_id}/delete")
    assert response.status_code == 302
    assert b.get(f"/products/{product_id}").status_code == 404
    with kho_rt.transaction() as session:
        audit = session.scalars(select(ProductChange).where(
            ProductChange.product_id == product_id, ProductChange.action == "delete")).one()
        assert audit.changes["deleted"]["title"] == "Quyền trẻ em ở Kon Rẫy"
