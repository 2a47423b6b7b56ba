"""``kho activity import-attendance`` and ``kho people …``: a sheet imported whole or
refused with one Vietnamese line per problem (exit 1); staff, spokespersons, figures."""
from __future__ import annotations

import json

from app.services.access.actors import SYSTEM
from app.services.activities import register
from tests.unit.services.activities.people_data import INFO, LISTS, training, write_csv


def test_import_refused_then_imported(kho_cli, kho, tmp_path):
    day, rows = LISTS["A"]
    aid = register.create_activity(kho, SYSTEM, training(day, rows))
    bad = write_csv(tmp_path / "bad.csv", [["", *rows[0][1:]], rows[1], rows[2]])
    result = kho_cli("--lang", "vi", "activity", "import-attendance", str(aid), str(bad))
    assert result.exit_code == 1
    assert "Dòng 2, cột Họ và tên: tên trống" in result.output
    good = write_csv(tmp_path / "good.csv", rows)
    result = kho_cli("--lang", "vi", "people", "import-attendance", str(aid), str(good))
    assert result.exit_code == 0, result.output
    assert "thêm 3 người vào danh sách (3 người mới)" in result.output
    listed = kho_cli("people", "list").output.splitlines()
    assert [line.split("\t")[1] for line in listed] == ["Nguyễn Văn An", "Trần Thị Bình", "Y Hoa"]


def test_staff_spokesperson_and_figures(kho_cli, kho, tmp_path):
    day, rows = LISTS["A"]
    aid = register.create_activity(kho, SYSTEM, training(day, rows))
    kho_cli("activity", "import-attendance", str(aid), str(write_csv(tmp_path / "a.csv", rows)))
    assert kho_cli("people", "staff", "2025", "xa-dak-koi", INFO, "4").exit_code == 0
    assert kho_cli("people", "spokesperson", "2025", "phong-vhtt-kon-ray", "--designated",
                   "--name", "Lê Thị Hồng").exit_code == 0
    refused = kho_cli("people", "spokesperson", "2025", "hoi-lhpn-kon-ray", "--none")
    assert refused.exit_code == 2
    body = json.loads(kho_cli("people", "figures", "--year", "2025", "--json").output)
    info = next(g for g in body["people"]["by_group"] if g["code"] == INFO)
    assert (info["trained"], info["staff"], info["share"], info["to_train"]) == (1, 4, 0.25, 3)
    assert body["people"]["spokespersons"]["bodies"] == 1
    assert body["people"]["spokespersons"]["share"] == 1.0
