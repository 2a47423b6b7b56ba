"""``kho activity``: add with counts and evidence, list, show (counts, never names),
delete; bad fields named in Vietnamese with exit code 2."""
from __future__ import annotations

import hashlib
import json


def _add(kho_cli, *extra: str):
    return kho_cli("activity", "add", "--kind", "training", "--title", "Tập huấn quyền con người",
                   "--from", "12/09/2025", "--to", "13/09/2025", "--organiser", "xa-dak-koi-2025",
                   "--commune", "xa-dak-koi-2025", "--plan-task", "2.2",
                   "--count", "information-officials=30/12/9", "--count", "citizens=40/25",
                   *extra)


def test_add_list_show_and_delete(kho_cli, tmp_path):
    photo = tmp_path / "anh.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 anh hoi nghi")
    added = _add(kho_cli, "--evidence", str(photo), "--evidence-kind", "photo")
    assert added.exit_code == 0, added.output
    assert hashlib.sha256(photo.read_bytes()).hexdigest() in added.output
    listed = kho_cli("--lang", "vi", "activity", "list", "--q", "tap huan")
    assert "Tập huấn, bồi dưỡng" in listed.output and "\t70\t" in listed.output
    assert "1 " in listed.output.splitlines()[-1]
    shown = json.loads(kho_cli("activity", "show", "1").output)
    assert shown["participants_total"] == 70 and shown["evidence"][0]["kind"] == "photo"
    assert [p["women"] for p in shown["participants"]] == [12, 25]
    deleted = kho_cli("activity", "delete", "1")
    assert deleted.exit_code == 0
    gone = kho_cli("activity", "show", "1")
    assert gone.exit_code == 2 and "1" in gone.output     # not found: as for products


def test_a_bad_count_is_named_in_vietnamese(kho_cli):
    result = _add(kho_cli, "--count", "citizens=5/9")
    assert result.exit_code == 2
    assert "participants" in result.output
    assert "không thể nhiều hơn" in result.output


def test_kho_import_says_what_it_did_with_the_activities(kho_cli, tmp_path):
    assert _add(kho_cli).exit_code == 0
    bag = tmp_path / "bag"
    exported = kho_cli("export", "--format", "bagit", "--scope", "all", "--out", str(bag))
    assert exported.exit_code == 0, exported.output
    again = kho_cli("--lang", "vi", "import", str(bag))      # into the instance it came from
    assert "Hoạt động: không khôi phục, hệ thống này đã có hoạt động" in again.output
