"""Which units an account sees: a commune with the communes it absorbed in 2025, a
province body the whole province (Kon Tum's tree before 1/7/2025 included), never the
neighbour; everything for admins, producers and office accounts without a unit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit, units_beneath
from archive.errors import PermissionDenied
from archive.models import Unit


def _ids(session) -> dict[str, int]:
    return dict(session.execute(select(Unit.code, Unit.id)).all())


def _codes(session, ids) -> set[str]:
    return set(session.scalars(select(Unit.code).where(Unit.id.in_(ids))))


def test_a_merged_commune_sees_itself_and_the_communes_it_absorbed(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        assert _codes(s, units_beneath(s, ids["xa-dak-koi-2025"])) == {
            "xa-dak-koi-2025", "xa-dak-koi", "xa-dak-to-lung"}
        assert _codes(s, units_beneath(s, ids["xa-kon-braih-2025"])) == {
            "xa-kon-braih-2025", "xa-dak-ruong", "xa-dak-to-re", "xa-tan-lap"}
        # an old commune before the merger: itself only, not its successor or neighbour
        assert _codes(s, units_beneath(s, ids["xa-dak-to-lung"])) == {"xa-dak-to-lung"}


def test_a_province_body_sees_the_whole_province_with_kon_tum_before_the_merger(kho):
    with kho.transaction() as s:
        neighbour = Unit(code="tinh-gia-lai", name="UBND tỉnh Gia Lai", level="province")
        s.add(neighbour)
        s.flush()
        s.add(Unit(code="xa-ia-grai", name="Xã Ia Grai", level="commune", parent=neighbour))
        s.flush()
        ids = _ids(s)
        department = units_beneath(s, ids["so-vhttdl-quang-ngai-2025"])
        seen = _codes(s, department)
        assert {"tinh-quang-ngai-2025", "so-vhttdl-quang-ngai-2025", "xa-dak-rve-2025",
                "xa-dak-koi-2025", "xa-kon-braih-2025",            # today's communes
                "tinh-kon-tum", "so-tttt-kon-tum", "so-ngoai-vu-kon-tum", "huyen-kon-ray",
                "phong-vhtt-kon-ray", "tt-dak-rve", "xa-tan-lap"} <= seen
        assert not {"tinh-gia-lai", "xa-ia-grai"} & seen
        # the province itself sees the same; the old Sở TT&TT saw Kon Tum only
        assert units_beneath(s, ids["tinh-quang-ngai-2025"]) == department
        old_department = _codes(s, units_beneath(s, ids["so-tttt-kon-tum"]))
        assert "xa-tan-lap" in old_department and "xa-dak-koi-2025" not in old_department


def test_a_district_office_sees_its_district(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        seen = _codes(s, units_beneath(s, ids["phong-vhtt-kon-ray"]))
        assert {"huyen-kon-ray", "xa-dak-pne", "hoi-ccb-kon-ray"} <= seen
        assert not {"tinh-kon-tum", "xa-dak-rve-2025", "so-tttt-kon-tum"} & seen


def test_a_successor_cycle_made_by_a_bad_edit_ends(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        old = s.get(Unit, ids["xa-dak-koi"])
        s.get(Unit, ids["xa-dak-koi-2025"]).successor = old      # a loop of two
        s.flush()
        assert _codes(s, units_beneath(s, ids["xa-dak-koi-2025"])) == {
            "xa-dak-koi-2025", "xa-dak-koi", "xa-dak-to-lung"}


def test_who_sees_everything_and_who_sees_a_part(kho):
    with kho.transaction() as s:
        commune = _ids(s)["xa-dak-koi-2025"]
        assert actor_units(s, Actor(1, "a", "admin", unit_id=commune)) is None
        assert actor_units(s, Actor(2, "p", "producer", unit_id=commune)) is None
        assert actor_units(s, Actor(3, "o", "office")) is None        # no unit: as before
        office = Actor(4, "o2", "office", unit_id=commune)
        assert _codes(s, actor_units(s, office)) == {"xa-dak-koi-2025", "xa-dak-koi",
                                                    "xa-dak-to-lung"}
        staff = Actor(5, "x", "commune", commune_id=commune, unit_id=commune)
        assert actor_units(s, staff) == actor_units(s, office)


def test_a_unit_outside_the_part_is_refused_naming_it(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        office = Actor(4, "o2", "office", unit_id=ids["xa-dak-koi-2025"])
        require_unit(s, office, ids["xa-dak-to-lung"])                 # absorbed: fine
        require_unit(s, Actor(3, "o", "office"), ids["xa-dak-rve-2025"])
        with pytest.raises(PermissionDenied) as err:
            require_unit(s, office, ids["xa-dak-rve-2025"], field="commune")
    assert err.value.field == "commune"
    assert "Xã Đăk Rve" in err.value.message and "Xã Đăk Kôi" in err.value.message
