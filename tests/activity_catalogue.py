"""Activities for the export and import tests: two trainings of 2025 in Đăk Kôi and Kon
Braih, one with a photo, minutes and an attendance sheet as evidence and a product
shown, the other a one-day press briefing; and, on the people tables of parts 2-3, one
named participant (the personal data a public package must never carry)."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from sqlalchemy import select

from app.services.activities import evidence, register
from app.services.access.actors import SYSTEM
from archive.models import Term, Unit

PHOTO = b"\x89PNG\r\n\x1a\n" + b"anh tap huan" * 50
MINUTES = b"%PDF-1.4 bien ban hoi nghi tap huan"
SHEET = "Họ và tên,Đơn vị\nY Blơng,Xã Đăk Kôi\n".encode("utf-8")
PARTICIPANT = "Y Blơng"


@dataclass(frozen=True)
class Activities:
    training: int
    briefing: int
    checksums: frozenset[str]


def build(kho, product_id: int | None = None) -> Activities:
    training = register.create_activity(kho, SYSTEM, {
        "kind": "training", "title": "Tập huấn kỹ năng truyền thông về quyền con người",
        "starts_on": "12/09/2025", "ends_on": "13/09/2025", "organiser": "xa-dak-koi-2025",
        "communes": ["xa-dak-koi-2025"], "plan_task": "2.2", "place": "Hội trường xã",
        "participants": [{"target_group": "information-officials", "total": 30, "women": 12,
                          "ethnic_minority": 9},
                         {"target_group": "mass-organisation-key-staff", "total": 14,
                          "women": 6, "ethnic_minority": 10}],
        "products": [{"product_id": product_id, "use": "shown"}] if product_id else []})
    briefing = register.create_activity(kho, SYSTEM, {
        "kind": "press-briefing", "title": "Họp báo cung cấp thông tin quý III",
        "starts_on": "30/09/2025", "organiser": "xa-kon-braih-2025", "plan_task": "2.1",
        "participants": [{"target_group": "citizens", "total": 8, "women": 3}]})
    for data, name, kind in ((PHOTO, "ảnh.png", "photo"), (MINUTES, "biên bản.pdf", "minutes"),
                             (SHEET, "danh sách.csv", "attendance_sheet")):
        evidence.add_evidence(kho, SYSTEM, training, io.BytesIO(data), name, kind=kind)
    _participant(kho, training)
    return Activities(training, briefing, frozenset(hashlib.sha256(d).hexdigest()
                                                    for d in (PHOTO, MINUTES, SHEET)))


def _participant(kho, activity_id: int) -> None:
    """One person on the training's list, written straight to the people tables."""
    from archive.people import Attendance, Person

    with kho.transaction() as s:
        unit = s.scalar(select(Unit).where(Unit.code == "xa-dak-koi-2025"))
        group = s.scalar(select(Term).where(Term.vocabulary == "target_group",
                                            Term.code == "information-officials"))
        person = Person(name=PARTICIPANT, name_key="y blong", unit=unit, position="Công chức",
                        target_group=group, ethnic_group="Ê Đê", sex="male")
        s.add(person)
        s.flush()
        s.add(Attendance(activity_id=activity_id, person_id=person.id, unit_id=unit.id,
                         target_group_id=group.id, position="Công chức", ethnic_group="Ê Đê",
                         sex="male"))
