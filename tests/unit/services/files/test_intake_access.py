"""An upload checks the product once before reading the body, and again when it
records the file: a product closed to the uploader in between takes nothing (issue 26)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from archive.errors import NotFound
from tests.access_doors import set_access
from tests.unit.api.conftest import png_bytes


def test_a_product_closed_to_the_uploader_mid_upload_takes_no_file(kho):
    from app.services.access import accounts
    from app.services.catalogue.products import create_product
    from app.services.files import intake
    from archive.models import File, Product, Unit

    accounts.add_user(kho, "sx-rve", "producer", "12345678", unit="xa-dak-rve-2025")
    producer = accounts.actor_by_name(kho, "sx-rve")
    pid = create_product(kho, producer, {"title": "Bản tin Đăk Rve",
                                         "lead_unit": "xa-dak-rve-2025"})
    destination = intake.open_upload(kho, producer, pid)          # it may see it now
    with kho.transaction() as session:                            # another unit's, closed
        session.get(Product, pid).lead_unit_id = session.scalar(
            select(Unit.id).where(Unit.code == "phong-gddt-kon-ray"))
    set_access(kho, pid, "closed")
    with pytest.raises(NotFound):
        intake.receive_into(kho, destination, io.BytesIO(png_bytes()), "anh.png")
    with kho.transaction() as session:
        assert session.scalars(select(File).where(File.product_id == pid)).all() == []
    set_access(kho, pid, "public")
    got = intake.receive_into(kho, destination, io.BytesIO(png_bytes()), "anh.png")
    assert got.product_id == pid
