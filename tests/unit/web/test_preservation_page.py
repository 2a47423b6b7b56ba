"""Admins see a banner on every page while a copy of an original is faulty, and the
preservation page lists each faulty file; other roles see neither."""
from __future__ import annotations

import io
import os

from app.services.preservation import fixity
from app.services.files.intake import receive
from tests.unit.services.preservation.test_fixity import flip_byte


def damaged(kho_rt, actors, product_id) -> str:
    receive(kho_rt, actors["producer"], product_id, io.BytesIO(os.urandom(3000)),
            "phong-su-tre-em.wav", queue=False)
    [target] = fixity.select_targets(kho_rt)
    (kho_rt.storage.root / target.storage_key).unlink()
    fixity.run(kho_rt, [target])
    return target.storage_key


def test_admin_sees_the_banner_and_the_faulty_file_listed(as_role, kho_rt, actors, product_id):
    admin = as_role("admin")
    calm = admin.get("/search").get_data(as_text=True)
    assert "/admin/preservation" not in calm.split("<main")[1]
    key = damaged(kho_rt, actors, product_id)
    page = admin.get("/search").get_data(as_text=True)
    assert "1 bản của tệp gốc bị lỗi" in page and 'href="/admin/preservation/"' in page
    listing = admin.get("/admin/preservation/").get_data(as_text=True)
    assert "phong-su-tre-em.wav" in listing and key in listing
    assert "Quyền trẻ em ở Kon Rẫy" in listing and "bị mất" in listing


def test_other_roles_see_no_banner_and_may_not_open_the_page(as_role, kho_rt, actors,
                                                             product_id):
    damaged(kho_rt, actors, product_id)
    producer = as_role("producer")
    assert "bản của tệp gốc bị lỗi" not in producer.get("/search").get_data(as_text=True)
    assert producer.get("/admin/preservation/").status_code == 403
