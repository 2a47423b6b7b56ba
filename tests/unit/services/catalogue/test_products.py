"""Product metadata: validation naming fields, audit of edits, deletion, visibility."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.catalogue import products
from app.services.access.actors import Actor
from archive.errors import Conflict, NotFound, PermissionDenied, ValidationError
from archive.models import Product, ProductChange

PRODUCER = Actor(1, "sx", "producer")
COMMUNE = Actor(2, "xa", "commune")
ADMIN = Actor(3, "qt", "admin")


@pytest.fixture
def users(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-rve-2025")
    accounts.add_user(kho, "qt", "admin", "12345678")


def full_metadata(**extra):
    data = {"title": "Quye\u0302\u0300n tre\u0309 em", "description": "Phóng sự về quyền trẻ em",
            "kind": "radio-feature", "languages": "vie; bdq", "themes": ["intl-law"],
            "conventions": "CRC", "plan_task": "3.3", "lead_unit": "trung-tam-vhttdltt-kon-ray",
            "communes": "xa-dak-rve-2025, 23497", "channels": "commune-radio;social-media",
            "produced_on": "31/05/2024", "tags": "trẻ em, quyền"}
    data.update(extra)
    return data


def test_create_normalises_text_and_resolves_codes(kho, users):
    pid = products.create_product(kho, PRODUCER, full_metadata())
    with kho.transaction() as s:
        p = s.get(Product, pid)
        assert p.title == "Quyền trẻ em"            # NFD input stored as NFC
        assert p.codes_of("language") == ["vie", "bdq"]
        assert sorted(u.code for u in p.communes) == ["xa-dak-rve-2025", "xa-kon-braih-2025"]
        assert p.produced_on.isoformat() == "2024-05-31"
        assert p.kind.code == "radio-feature" and p.plan_task.code == "3.3"
        assert p.status == "draft"


def test_every_bad_field_is_named_and_nothing_is_written(kho, users):
    with pytest.raises(ValidationError) as err:
        products.create_product(kho, PRODUCER, full_metadata(
            title="  ", languages="vie, xyz", communes="xa-atlantis", produced_on="31/02/2024",
            colour="red", themes="intl-law,policy-law,achievements,abuse-cases,"
                                 "foreign-affairs,intl-law2"))
    fields = err.value.fields
    assert set(fields) >= {"title", "languages", "communes", "produced_on", "colour", "themes"}
    assert "xyz" in fields["languages"] and "xa-atlantis" in fields["communes"]
    with kho.transaction() as s:
        assert s.scalar(select(Product.id)) is None


def test_edits_record_who_old_and_new(kho, users):
    pid = products.create_product(kho, PRODUCER, full_metadata())
    changes = products.update_product(kho, ADMIN, pid, {"title": "Quyền của trẻ em",
                                                        "languages": "vie", "tags": "trẻ em, quyền"})
    assert changes == {"title": ["Quyền trẻ em", "Quyền của trẻ em"],
                       "languages": [["vie", "bdq"], ["vie"]]}
    with kho.transaction() as s:
        audit = s.scalars(select(ProductChange).where(ProductChange.action == "update")).one()
        assert audit.user_id == ADMIN.user_id and audit.changes["title"][1] == "Quyền của trẻ em"


def test_commune_cannot_edit_and_only_admin_deletes(kho, users):
    pid = products.create_product(kho, PRODUCER, full_metadata())
    with pytest.raises(PermissionDenied):
        products.update_product(kho, COMMUNE, pid, {"title": "x"})
    with pytest.raises(PermissionDenied):
        products.delete_product(kho, PRODUCER, pid)
    products.delete_product(kho, ADMIN, pid)
    with kho.transaction() as s:
        assert s.get(Product, pid) is None
        audit = s.scalars(select(ProductChange).where(ProductChange.action == "delete")).one()
        assert audit.changes["deleted"]["title"] == "Quyền trẻ em"


def test_closed_products_are_invisible_to_commune_staff(kho, users):
    pid = products.create_product(kho, PRODUCER, full_metadata(access="closed"))
    with kho.transaction() as s:
        assert products.load_product(s, PRODUCER, pid).access_level == "closed"
        with pytest.raises(NotFound):
            products.load_product(s, COMMUNE, pid)


def test_labels_are_accepted_beside_codes_with_or_without_diacritics(kho, users):
    pid = products.create_product(kho, PRODUCER, {
        "title": "Bản tin", "kind": "Phóng sự phát thanh", "languages": "Tiếng Việt; tieng ba na",
        "communes": "Đăk Kôi; kon braih", "lead_unit": "trung-tam-vhttdltt-kon-ray"})
    with kho.transaction() as s:
        p = s.get(Product, pid)
        assert p.kind.code == "radio-feature"
        assert p.codes_of("language") == ["vie", "bdq"]
        # "Đăk Kôi" names both the pre-2025 commune and the merged one: today's wins
        assert sorted(u.code for u in p.communes) == ["xa-dak-koi-2025", "xa-kon-braih-2025"]


def test_a_plan_task_brings_its_lead_unit_when_none_is_given(kho, users):
    # Task 3.6 of the plan: the district's political-social organisations lead it.
    pid = products.create_product(kho, PRODUCER, {"title": "Hội nghị tuyên truyền",
                                                  "plan_task": "3.6"})
    given = products.create_product(kho, PRODUCER, full_metadata(
        plan_task="3.6", lead_unit="trung-tam-vhttdltt-kon-ray"))
    untouched = products.create_product(kho, PRODUCER, {"title": "Không thuộc nhiệm vụ nào"})
    with kho.transaction() as s:
        p = s.get(Product, pid)
        assert p.lead_unit.code == "ldld-kon-ray"
        assert p.cooperating_units == []               # the product's own, not the plan's list
        g = s.get(Product, given)
        assert g.lead_unit.code == "trung-tam-vhttdltt-kon-ray"      # what the user chose stays
        assert s.get(Product, untouched).lead_unit is None
    products.update_product(kho, PRODUCER, untouched, {"plan_task": "3.3"})
    with kho.transaction() as s:
        assert s.get(Product, untouched).lead_unit.code == "trung-tam-vhttdltt-kon-ray"


def test_a_product_logged_as_aired_is_not_deleted_with_its_broadcast_records(kho, users):
    from app.services.broadcasts import log
    from tests.broadcast_copies import give_broadcast_copy

    pid = products.create_product(kho, PRODUCER, full_metadata())
    give_broadcast_copy(kho, pid)                 # airable: it has a broadcast MP3
    log.log_broadcast(kho, ADMIN, pid, "02/11/2025", commune_code="xa-dak-rve-2025")
    with pytest.raises(Conflict) as err:
        products.delete_product(kho, ADMIN, pid)
    assert "yearly report" in str(err.value.render(lambda s: s))
    with kho.transaction() as s:
        assert s.get(Product, pid) is not None
    assert len(log.list_broadcasts(kho, ADMIN)) == 1


@pytest.mark.parametrize("field, value", [
    ("produced_on", "0001-01-01"), ("produced_on", "01/01/2099"),
    ("kind", ["photo", "video"]), ("kind", "photo; video"),
    ("tags", {"a": 1}), ("description", {"a": 1}), ("title", ["Một", "Hai"]),
    ("tags", [f"thẻ {n}" for n in range(60)]),
])
def test_implausible_values_are_refused_naming_the_field(kho, users, field, value):
    with pytest.raises(ValidationError) as err:
        products.create_product(kho, PRODUCER, full_metadata(**{field: value}))
    assert field in err.value.fields
    with kho.transaction() as s:
        assert s.scalar(select(Product.id)) is None
