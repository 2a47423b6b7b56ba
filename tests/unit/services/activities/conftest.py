"""Accounts and a helper for the activities register tests."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.access.actors import Actor
from archive.models import Unit


@pytest.fixture
def actors(kho) -> dict[str, Actor]:
    """producer, admin, an office account of the whole district office, an office
    account of one 2025 commune, a commune account of another."""
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "qt", "admin", "12345678")
    accounts.add_user(kho, "vp", "office", "12345678")
    accounts.add_user(kho, "vpxa", "office", "12345678", unit="xa-dak-koi-2025")
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-kon-braih-2025")
    with kho.transaction() as s:
        unit = {u.code: u.id for u in s.scalars(select(Unit))}
    return {"producer": Actor(1, "sx", "producer"), "admin": Actor(2, "qt", "admin"),
            "office": Actor(3, "vp", "office"),
            "commune_office": Actor(4, "vpxa", "office", unit_id=unit["xa-dak-koi-2025"]),
            "commune": Actor(5, "xa", "commune", unit["xa-kon-braih-2025"],
                             unit_id=unit["xa-kon-braih-2025"])}


def training(**extra) -> dict:
    data = {"kind": "training", "title": "Tập huấn kỹ năng truyền thông về quyền con người",
            "starts_on": "12/09/2025", "ends_on": "13/09/2025",
            "organiser": "xa-dak-koi-2025", "communes": ["xa-dak-koi-2025"],
            "plan_task": "2.2", "place": "Hội trường UBND xã Đăk Kôi",
            "description": "Hai ngày tập huấn cho cán bộ",
            "participants": [{"target_group": "information-officials", "total": 30,
                              "women": 12, "ethnic_minority": 9},
                             {"target_group": "citizens", "total": 40, "women": 25,
                              "ethnic_minority": 31}],
            "products": []}
    data.update(extra)
    return data
