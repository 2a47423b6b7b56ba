"""Three trainings of 2025 with overlapping attendance lists: the known answer.

Unique people: information officials An (Đăk Kôi) and Thương (Đăk Tơ Lung), human-rights
official Y Hoa (Đăk Kôi), key staff Bình, Cường, Dung (Hội LHPN). Staff of 2025:
Đăk Kôi 2 information + 2 human-rights, Đăk Tơ Lung 2 information, Hội LHPN 5 key staff.
Both old communes roll up into the 2025 Xã Đăk Kôi: information 2/4 = 50 % (2 to
train), human rights 1/2 = 50 % (1 to train), key staff 3/5 = 60 % against 70 %
(ceil(3.5) − 3 = 1 to train).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from app.services.activities import register
from app.services.activities.attendance_import import import_attendance
from app.services.activities.spokespersons import set_staff_count

HEADER = ["STT", "Họ và tên", "Đơn vị", "Chức vụ", "Nhóm đối tượng", "Dân tộc", "Giới tính"]
INFO, HR, KEY = "information-officials", "human-rights-officials", "mass-organisation-key-staff"
LISTS = {
    "A": ("10/03/2025", [
        ["Nguyễn Văn An", "Xã Đăk Kôi", "Công chức VH-XH", INFO, "Kinh", "Nam"],
        ["Y Hoa", "Xã Đăk Kôi", "Tư pháp", HR, "Xơ Đăng", "Nữ"],
        ["Trần Thị Bình", "Hội Liên hiệp Phụ nữ huyện Kon Rẫy", "Phó Chủ tịch", KEY, "Kinh", "Nữ"]]),
    "B": ("15/04/2025", [
        ["NGUYEN VAN AN", "xa dak koi", "Công chức VH-XH", INFO, "Kinh", "Nam"],
        ["A Thương", "Xã Đăk Tơ Lung", "Công chức VH-XH", INFO, "Xơ Đăng", "Nam"],
        ["Trần Thị Bình", "Hội Liên hiệp Phụ nữ huyện Kon Rẫy", "Phó Chủ tịch", KEY, "Kinh", "Nữ"],
        ["Lê Văn Cường", "hoi-lhpn-kon-ray", "Ủy viên", KEY, "Kinh", "Nam"]]),
    "C": ("20/05/2025", [
        ["Y Hoa", "Xã Đăk Kôi", "Tư pháp", HR, "Xơ Đăng", "Nữ"],
        ["A Thương", "Xã Đăk Tơ Lung", "Công chức VH-XH", INFO, "Xơ Đăng", "Nam"],
        ["Phạm Thị Dung", "Hội Liên hiệp Phụ nữ huyện Kon Rẫy", "Ủy viên", KEY, "Kinh", "Nữ"]]),
}
STAFF = [("xa-dak-koi", INFO, 2), ("xa-dak-koi", HR, 2), ("xa-dak-to-lung", INFO, 2),
         ("hoi-lhpn-kon-ray", KEY, 5)]


def counts_of(rows: list[list[str]]) -> list[dict]:
    """The activity's participant counts that agree with ``rows``."""
    out: dict[str, dict] = {}
    for name, unit, position, group, ethnic, sex in rows:
        c = out.setdefault(group, {"target_group": group, "total": 0, "women": 0,
                                   "ethnic_minority": 0})
        c["total"] += 1
        c["women"] += sex == "Nữ"
        c["ethnic_minority"] += ethnic != "Kinh"
    return list(out.values())


def training(day: str, rows: list[list[str]], **extra) -> dict:
    data = {"kind": "training", "title": f"Tập huấn quyền con người {day}",
            "starts_on": day, "ends_on": day, "organiser": "phong-vhtt-kon-ray",
            "communes": ["xa-dak-koi"], "plan_task": "2.2", "place": "Hội trường",
            "description": "", "participants": counts_of(rows), "products": []}
    data.update(extra)
    return data


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8",
              header: list[str] = HEADER) -> Path:
    lines = [",".join(header)] + [",".join([str(i)] + r) for i, r in enumerate(rows, 1)]
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: letters with a tone mark as the letter
    without it (â, ơ … are single bytes) followed by the combining tone mark."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append((base + "".join(c for c in parts if c in TONES)).encode("cp1258"))
    return b"".join(out)


def three_trainings(kho, actor, folder: Path) -> dict[str, int]:
    """Record and import the three trainings and the staff counts; activity ids."""
    ids = {}
    for name, (day, rows) in LISTS.items():
        ids[name] = register.create_activity(kho, actor, training(day, rows))
        outcome = import_attendance(kho, actor, ids[name], write_csv(folder / f"{name}.csv", rows))
        assert outcome.imported, [str(p.message) for p in outcome.problems]
    for unit, group, staff in STAFF:
        set_staff_count(kho, actor, unit, 2025, group, staff)
    return ids
