"""A small catalogue for the export and import tests: what a district archive holds.

* a poster with a PNG original (processed: thumbnail and preview), two languages,
  a theme, a convention, a channel, a lead unit, a commune, a tag and a title and
  description that start like spreadsheet formulas;
* a radio feature with no file yet (a metadata-only record);
* a photo restricted to office staff and a commune, under embargo, with a protocol
  note and a consent (radio only) with its scanned form, and a JPEG original (never
  in a public export; a bag of scope all carries all of it).
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from datetime import date, timedelta

from PIL import Image

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.catalogue.consents import add_consent
from app.services.files.intake import receive

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Catalogue:
    poster: int
    radio: int
    secret: int
    poster_sha: str
    secret_sha: str


def image_bytes(colour: str, fmt: str = "PNG", size=(320, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    return buf.getvalue()


def build(kho) -> Catalogue:
    accounts.add_user(kho, "sx", "producer", PASSWORD)
    producer = accounts.actor_by_name(kho, "sx")
    poster = products.create_product(kho, producer, {
        "title": "=HYPERLINK(\"http://x\")Quyền trẻ em", "kind": "poster",
        "description": "+1 dòng một\ndòng hai", "languages": "vie;bdq",
        "themes": "abuse-cases", "conventions": "CRC", "channels": "commune-radio",
        "lead_unit": "phong-vhtt-kon-ray", "communes": "xa-dak-rve-2025",
        "produced_on": "31/05/2024", "tags": "@lệnh;-2", "rights_note": "CC BY 4.0"})
    png = image_bytes("red")
    receive(kho, producer, poster, io.BytesIO(png), "tranh cổ động.png")
    radio = products.create_product(kho, producer, {
        "title": "Phóng sự: Quyền của người dân tộc thiểu số", "kind": "radio-feature",
        "languages": "sed", "produced_on": "01/02/2023"})
    secret = products.create_product(kho, producer, {
        "title": "Ảnh nội bộ", "kind": "photo",
        "access": {"level": "restricted",
                   "audience": {"units": ["xa-dak-rve-2025"], "roles": ["office"]}},
        "embargo_until": (date.today() + timedelta(days=400)).isoformat(),
        "protocol_note": "Chỉ xem trong dịp lễ của làng."})
    jpeg = image_bytes("blue", "JPEG")
    receive(kho, producer, secret, io.BytesIO(jpeg), "ảnh.jpg")
    admin = Actor(None, "operator", "system")
    add_consent(kho, admin, secret, {"given_by": "Già làng A Thút", "uses": ["radio"],
                                     "until": "31/12/2030", "note": "Đồng ý bằng lời"},
                io.BytesIO(FORM), "giay-dong-y.pdf")
    return Catalogue(poster, radio, secret, hashlib.sha256(png).hexdigest(),
                     hashlib.sha256(jpeg).hexdigest())


# a scanned consent form (a minimal PDF)
FORM = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
        b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
FORM_SHA = hashlib.sha256(FORM).hexdigest()


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def manifest(bag: Path) -> dict[str, str]:
    """path -> SHA-256 of the bag's payload manifest."""
    lines = (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split(None, 1) for line in lines)}
