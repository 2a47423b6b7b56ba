"""Daily-use rules of product metadata and vocabulary editing (issue 13): a lead unit
merged in 2025 resolves to its successor, date problems in plain words, counting
flags of new languages and channels reach the targets, units can be added."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.services.catalogue import vocabulary_admin as vocab
from app.services.access import accounts
from app.services.catalogue import products
from app.services.stats import plan_progress
from app.services.access.actors import Actor
from archive.errors import Conflict, ValidationError
from archive.models import Product, Term, Unit

PRODUCER = Actor(1, "sx", "producer")
ADMIN = Actor(2, "qt", "admin")
OFFICE = Actor(3, "vp", "office")


@pytest.fixture
def people(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "qt", "admin", "12345678")
    accounts.add_user(kho, "vp", "office", "12345678")


def _lead_of(kho, product_id: int) -> str:
    with kho.transaction() as s:
        unit = s.get(Product, product_id).lead_unit
        return unit.code if unit else ""


def _make(kho, **data) -> int:
    return products.create_product(kho, PRODUCER, {"title": "Bản tin", "kind": "radio-feature",
                                                   **data})


@pytest.fixture
def centre_merged(kho, people):
    """The district centre leading task 3.3 ended on 30/06/2025; an admin records the
    provincial centre that took its work over as its successor."""
    vocab.add_unit(kho, ADMIN, "ttvh-quang-ngai-2025", name="Trung tâm Văn hóa tỉnh Quảng Ngãi",
                   level="province", parent="tinh-quang-ngai-2025", valid_from="01/07/2025")
    vocab.update_unit(kho, ADMIN, "trung-tam-vhttdltt-kon-ray",
                      name="Trung tâm VH-TT-DL&TT huyện Kon Rẫy", valid_from="",
                      valid_to="30/06/2025", successor="ttvh-quang-ngai-2025")


def test_a_plan_task_whose_lead_unit_merged_files_the_product_under_the_successor(
        kho, centre_merged):
    after = _make(kho, plan_task="3.3", produced_on="15/08/2025")
    undated = _make(kho, plan_task="3.3")
    before = _make(kho, plan_task="3.3", produced_on="20/05/2024")
    assert _lead_of(kho, after) == "ttvh-quang-ngai-2025"
    assert _lead_of(kho, undated) == "ttvh-quang-ngai-2025"      # today is after the merger
    assert _lead_of(kho, before) == "trung-tam-vhttdltt-kon-ray"  # as it was when produced


def test_the_form_sending_an_empty_lead_unit_also_gets_the_successor(kho, centre_merged):
    pid = _make(kho, plan_task="3.3", lead_unit="", produced_on="02/09/2025")
    assert _lead_of(kho, pid) == "ttvh-quang-ngai-2025"
    products.update_product(kho, PRODUCER, pid, {"plan_task": "3.3", "lead_unit": "",
                                                 "produced_on": "02/09/2025"})
    assert _lead_of(kho, pid) == "ttvh-quang-ngai-2025"


def test_an_update_sending_only_the_plan_task_also_gets_the_successor(kho, centre_merged):
    """The API's partial update: a product with no lead unit filed under task 3.3 later."""
    pid = _make(kho, produced_on="02/09/2025")
    assert _lead_of(kho, pid) == ""
    products.update_product(kho, PRODUCER, pid, {"plan_task": "3.3"})
    assert _lead_of(kho, pid) == "ttvh-quang-ngai-2025"


def test_a_picked_unit_that_was_replaced_resolves_to_its_successor(kho, people):
    # Sở TT&TT Kon Tum ended on 30/06/2025; Sở VH-TT-DL Quảng Ngãi carries it on
    pid = _make(kho, lead_unit="so-tttt-kon-tum", produced_on="01/10/2025")
    assert _lead_of(kho, pid) == "so-vhttdl-quang-ngai-2025"
    old = _make(kho, lead_unit="so-tttt-kon-tum", produced_on="01/10/2024")
    assert _lead_of(kho, old) == "so-tttt-kon-tum"
    # a unit that ended with no successor recorded stays as picked
    gone = _make(kho, lead_unit="so-ngoai-vu-kon-tum", produced_on="01/10/2025")
    assert _lead_of(kho, gone) == "so-ngoai-vu-kon-tum"


@pytest.mark.parametrize("value, message", [
    ("31/02/2025", "31/02/2025 is not a real date"),
    ("2025-13-01", "2025-13-01 is not a real date"),
    ("mùa thu", "mùa thu is not a date; write it as dd/mm/yyyy, for example 31/12/2024"),
])
def test_date_problems_are_said_in_plain_words(kho, people, value, message):
    with pytest.raises(ValidationError) as err:
        _make(kho, produced_on=value)
    problem = err.value.fields["produced_on"]
    assert str(problem) == message and "'" not in str(problem)


def test_a_production_date_after_today_is_refused(kho, people):
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(ValidationError) as err:
        _make(kho, produced_on=tomorrow.strftime("%d/%m/%Y"))
    assert err.value.fields["produced_on"].template == "the production date cannot be after today"
    assert _make(kho, produced_on=(date.today() - timedelta(days=1)).strftime("%d/%m/%Y"))


def test_the_date_messages_read_in_vietnamese(kho, people):
    from app.i18n import gettext_for

    vi = gettext_for("vi")
    with pytest.raises(ValidationError) as err:
        _make(kho, produced_on="31/02/2025")
    assert err.value.fields["produced_on"].render(vi) == "31/02/2025 không phải là ngày có thật"
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    with pytest.raises(ValidationError) as err:
        _make(kho, produced_on=future)
    assert err.value.fields["produced_on"].render(vi) == "Ngày sản xuất không được sau hôm nay"


def _figures(kho):
    return plan_progress.request_stats(kho, OFFICE, {})


def test_a_new_language_flagged_ethnic_minority_counts_towards_the_target(kho, people):
    vocab.add_term(kho, ADMIN, "language", "gie-trieng", label_vi="Tiếng Giẻ Triêng",
                   label_en="Gie Trieng", flags={"ethnic_minority": True})
    vocab.add_term(kho, ADMIN, "channel", "zalo-xa", label_vi="Zalo của xã",
                   flags={"digital_platform": True})
    before = _figures(kho)
    _make(kho, languages=["gie-trieng"], channels=["zalo-xa"], produced_on="03/03/2025")
    after = _figures(kho)
    assert after.ethnic_language == before.ethnic_language + 1
    assert after.foreign_language == before.foreign_language       # not counted as foreign
    assert after.digital_platform == before.digital_platform + 1
    # unflagging it (an admin's correction) takes it out of the count at once
    vocab.update_term(kho, ADMIN, "channel", "zalo-xa", label_vi="Zalo của xã", label_en="",
                      active=True, flags={})
    assert _figures(kho).digital_platform == before.digital_platform


def test_term_flags_are_listed_and_only_the_vocabularys_own_are_set(kho, people):
    vocab.add_term(kho, ADMIN, "theme", "nguoi-cao-tuoi", label_vi="Người cao tuổi",
                   flags={"ethnic_minority": True})
    with kho.transaction() as s:
        term = s.scalar(select(Term).where(Term.code == "nguoi-cao-tuoi"))
        assert term.ethnic_minority is False            # themes have no counting flags
    langs = {t["code"]: t["flags"] for t in vocab.list_terms(kho, ADMIN, "language")}
    assert langs["bdq"] == {"ethnic_minority": True, "foreign": False}


def test_an_admin_adds_a_unit_with_gso_code_kind_parent_and_successor(kho, people):
    vocab.add_unit(kho, ADMIN, "xa-moi-2026", name="Xã Mới", level="commune", gso_code="23500",
                   parent="tinh-quang-ngai-2025", valid_from="01/01/2026")
    vocab.add_unit(kho, ADMIN, "xa-cu", name="Xã Cũ", level="commune", gso_code="23499",
                   parent="huyen-kon-ray", valid_to="31/12/2025", successor="xa-moi-2026")
    with kho.transaction() as s:
        old = s.scalar(select(Unit).where(Unit.code == "xa-cu"))
        assert (old.gso_code, old.parent.code, old.successor.code, old.valid_to) == (
            "23499", "huyen-kon-ray", "xa-moi-2026", date(2025, 12, 31))
    # a product naming the old commune's GSO code today gets the new commune
    pid = _make(kho, communes=["23500"])
    with kho.transaction() as s:
        assert [u.code for u in s.get(Product, pid).communes] == ["xa-moi-2026"]


@pytest.mark.parametrize("field, values", [
    ("code", {"code": "Xã Mới"}), ("level", {"level": "village"}),
    ("gso_code", {"gso_code": "23-500"}), ("parent", {"parent": "nowhere"}),
    ("valid_to", {"valid_from": "01/07/2025", "valid_to": "01/01/2025"}),
    ("valid_from", {"valid_from": "31/02/2025"}), ("name", {"name": ""}),
])
def test_a_refused_unit_names_the_field(kho, people, field, values):
    data = {"code": "xa-moi", "name": "Xã Mới", "level": "commune", **values}
    with pytest.raises(ValidationError) as err:
        vocab.add_unit(kho, ADMIN, data.pop("code"), **data)
    assert err.value.field == field
    with kho.transaction() as s:
        assert s.scalar(select(Unit).where(Unit.code == "xa-moi")) is None


def test_a_unit_code_is_added_once(kho, people):
    with pytest.raises(Conflict):
        vocab.add_unit(kho, ADMIN, "xa-dak-koi-2025", name="Xã Đăk Kôi", level="commune")


def test_commune_account_messages_name_no_command_line_option(kho, people):
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, "xa2", "commune", "12345678")
    assert err.value.field == "commune" and "--" not in str(err.value.text)
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, "xa3", "commune", "12345678", commune="00000")
    assert "kho " not in str(err.value.text) and "'" not in str(err.value.text)
