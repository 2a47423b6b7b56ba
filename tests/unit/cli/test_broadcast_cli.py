"""``kho broadcast log|list``: one log per airing (a day and its part: sáng, trưa,
chiều, tối), the same airing logged again refused with exit code 1 (a script may be run
again safely), a day the commune did not exist refused with exit code 2, in Vietnamese."""
from __future__ import annotations

import json

import pytest

from tests.broadcast_copies import give_broadcast_copy

KOI = "xa-dak-koi-2025"


@pytest.fixture
def feature(kho) -> int:
    from app.services.access import accounts
    from app.services.catalogue.products import create_product

    accounts.add_user(kho, "sx", "producer", "mat-khau-dai-du")
    accounts.add_user(kho, "daixa", "commune", "mat-khau-dai-du", commune=KOI)
    pid = create_product(kho, accounts.actor_by_name(kho, "sx"),
                         {"title": "Bản tin pháp luật", "kind": "radio-feature",
                          "produced_on": "01/06/2018"})
    give_broadcast_copy(kho, pid)
    return pid


def test_each_airing_of_a_day_is_logged_once(kho_cli, feature):
    pid = str(feature)
    morning = kho_cli("--lang", "vi", "broadcast", "log", pid, "--on", "02/08/2025",
                      "--slot", "sáng", "--commune", KOI, "--note", "6 giờ")
    assert morning.exit_code == 0, morning.output
    assert morning.output.strip() == (f"Đã ghi nhận #1: Xã Đăk Kôi đã phát sản phẩm {pid} "
                                      "ngày 02/08/2025 (Sáng).")
    evening = kho_cli("--lang", "vi", "broadcast", "log", pid, "--on", "2025-08-02",
                      "--slot", "evening", "--commune", KOI)
    assert evening.exit_code == 0, evening.output
    again = kho_cli("--lang", "vi", "broadcast", "log", pid, "--on", "02/08/2025",
                    "--slot", "morning", "--commune", KOI)        # the script run again
    assert again.exit_code == 1
    assert "đã ghi rồi: Xã Đăk Kôi đã phát sản phẩm này buổi sáng ngày 02/08/2025" \
        in again.output
    listed = kho_cli("--lang", "vi", "broadcast", "list", "--product", pid)
    lines = listed.output.splitlines()
    assert [line.split("\t")[1:4] for line in lines[:-1]] == [
        ["02/08/2025", "Tối", "Xã Đăk Kôi"], ["02/08/2025", "Sáng", "Xã Đăk Kôi"]]
    assert lines[-1] == "2 lượt phát sóng"
    rows = [json.loads(line) for line in kho_cli("broadcast", "list", "--json",
                                                 "--year", "2025").output.splitlines()]
    assert [r["slot"] for r in rows] == ["evening", "morning"]


def test_an_airing_is_refused_for_a_day_its_commune_did_not_exist(kho_cli, feature):
    staff = kho_cli("--lang", "vi", "broadcast", "log", str(feature), "--on", "01/01/2019",
                    "--slot", "tối", "--as", "daixa")
    assert staff.exit_code == 2
    assert ("aired_on: Xã Đăk Kôi chỉ tồn tại từ 01/07/2025; ngày 01/01/2019 thuộc về đơn "
            "vị cũ: Xã Đăk Kôi, Xã Đăk Tơ Lung.") in staff.output
    bad_slot = kho_cli("--lang", "vi", "broadcast", "log", str(feature), "--on",
                       "02/08/2025", "--slot", "đêm", "--as", "daixa")
    assert bad_slot.exit_code == 2 and "slot: đêm không phải là buổi phát" in bad_slot.output
    former = kho_cli("broadcast", "log", str(feature), "--on", "01/01/2019",
                     "--commune", "xa-dak-to-lung")            # the system names the old one
    assert former.exit_code == 0, former.output
    assert kho_cli("broadcast", "list").output.splitlines()[-1].startswith("1 ")


def test_an_airing_the_consent_does_not_allow_is_refused_naming_the_consent(kho_cli, kho,
                                                                            feature):
    from app.services.access.actors import Actor
    from app.services.catalogue.consents import add_consent

    add_consent(kho, Actor(None, "operator", "system"), feature,
                {"given_by": "Bà Y Hlen", "uses": ["radio"], "until": "31/07/2025"})
    refused = kho_cli("--lang", "vi", "broadcast", "log", str(feature), "--on", "02/08/2025",
                      "--commune", KOI)
    assert refused.exit_code == 2
    assert ("consent: sự đồng ý của Bà Y Hlen (mục đích: Phát thanh) đã hết hạn ngày "
            "31/07/2025, trước ngày phát sóng 02/08/2025") in refused.output
