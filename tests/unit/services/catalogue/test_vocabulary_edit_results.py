"""What an edit of a term or a unit reports back (issue 24): the fields whose value
changed, in the order of the form, so the page can say "Đã lưu đơn vị «Xã Mới»: đổi
tên, ngày hiệu lực." instead of "Đã lưu xa-moi-360."."""
from __future__ import annotations

import pytest

from app.services.access import accounts
from app.services.catalogue import vocabulary_admin as vocab


@pytest.fixture
def admin(kho):
    accounts.add_user(kho, "qt", "admin", "12345678")
    return accounts.actor_by_name(kho, "qt")


def test_a_unit_edit_names_the_fields_it_changed(kho, admin):
    added = vocab.add_unit(kho, admin, "xa-moi-360", name="Xã Mới", level="commune",
                           gso_code="99999", valid_from="01/07/2025")
    assert (added.code, added.label_vi, added.changed) == ("xa-moi-360", "Xã Mới", ())
    saved = vocab.update_unit(kho, admin, "xa-moi-360", name="  Xã Mới Đăk Kôi ",
                              valid_from="02/07/2025", valid_to="", successor="")
    assert saved.label_vi == "Xã Mới Đăk Kôi"
    assert saved.changed == ("name", "valid_from")
    again = vocab.update_unit(kho, admin, "xa-moi-360", name="Xã Mới Đăk Kôi",
                              valid_from="02/07/2025", valid_to="", successor="")
    assert again.changed == ()
    letterhead = vocab.update_unit(kho, admin, "xa-moi-360", name="Xã Mới Đăk Kôi",
                                   valid_from="02/07/2025", valid_to="31/12/2030",
                                   successor="", signer_name="Nguyễn Văn A",
                                   consolidates=True)
    assert letterhead.changed == ("valid_to", "signer_name", "consolidates")


def test_a_term_edit_names_the_labels_state_and_flags_it_changed(kho, admin):
    added = vocab.add_term(kho, admin, "language", "gie-trieng", label_vi="Tiếng Giẻ Triêng",
                           flags={"ethnic_minority": True})
    assert (added.label_vi, added.changed) == ("Tiếng Giẻ Triêng", ())
    saved = vocab.update_term(kho, admin, "language", "gie-trieng",
                              label_vi="Tiếng Giẻ-Triêng", label_en="Gie Trieng",
                              active=False, flags={"ethnic_minority": True, "foreign": True})
    assert saved.changed == ("label_vi", "label_en", "active", "foreign")
    assert saved.active is False and saved.label_en == "Gie Trieng"
    same = vocab.update_term(kho, admin, "language", "gie-trieng",
                             label_vi="Tiếng Giẻ-Triêng", label_en="Gie Trieng", active=False,
                             flags={"ethnic_minority": True, "foreign": True})
    assert same.changed == ()


def test_the_unit_list_says_which_units_collect_the_yearly_contributions(kho, admin):
    """The units page shows the checkbox as it is: saving a row without touching it
    keeps a consolidating body consolidating (it was cleared before)."""
    vocab.add_unit(kho, admin, "so-moi", name="Sở Mới", level="province")
    vocab.update_unit(kho, admin, "so-moi", name="Sở Mới", valid_from="", valid_to="",
                      successor="", consolidates=True)
    listed = {u["code"]: u for u in vocab.list_units(kho, admin, "province")}
    assert listed["so-moi"]["consolidates"] is True
