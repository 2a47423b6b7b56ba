"""Simple Dublin Core (``oai_dc``) of a native record: the mapping and its XML writer.

The mapping (documented as a table in docs/OAI-PMH.md):

=============  ==============================================================
dc:title       title
dc:description description; a metadata-only record says so (vi and en)
dc:subject     themes and conventions (Vietnamese labels, English with xml:lang),
               tags
dc:type        the kind's Vietnamese label, and the DCMI Type (Sound,
               MovingImage, StillImage, Text, InteractiveResource, Event…)
dc:language    ISO 639-3 codes (vie, sed, bdq…)
dc:date        produced_on (YYYY-MM-DD)
dc:creator     the lead unit
dc:contributor the cooperating units
dc:publisher   the body consolidating the plan's reporting that day (records/publisher.py)
dc:coverage    the communes (name and GSO code)
dc:format      media types of the files listed
dc:identifier  the stable URL of the product page
dc:rights      the rights note; the access rights (DCMI ``accessRights``, which
               refines dc:rights: simple Dublin Core has no element of its own
               for it) as one Vietnamese sentence with the codes a harvester's
               rule can read — level, embargo date, uses its consents allow:
               ``Mức độ tiếp cận: Công khai [public]. Phổ biến từ ngày
               15/01/2027 [embargo 2027-01-15]. Được phép sử dụng: Phát thanh,
               Trang thông tin điện tử [uses radio website].``
=============  ==============================================================

Functions take the dict of :func:`app.services.records.native.record_of`; no database here.
"""
from __future__ import annotations

from typing import Any, Optional

from app.services.records import xml_text

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# DCMI Type Vocabulary term of each seeded kind; other kinds fall back on their media
DCMI_BY_KIND = {
    "radio-feature": "Sound", "video": "MovingImage", "poster": "StillImage",
    "photo": "StillImage", "publication": "Text", "multimedia-publication": "Collection",
    "web-article": "Text", "social-post": "Text", "contest-entry": "Text",
    "training-material": "Text", "exhibition": "Event", "campaign": "Event",
}
DCMI_BY_CATEGORY = {"audio": "Sound", "video": "MovingImage", "image": "StillImage",
                    "pdf": "Text", "text": "Text"}
# Vietnamese labels of the access vocabularies (as seeded; the record carries codes too)
LEVEL_VI = {"public": "Công khai", "internal": "Nội bộ (tài khoản đã đăng nhập)",
            "restricted": "Hạn chế (theo đối tượng)",
            "closed": "Không phổ biến (chỉ đơn vị quản lý)"}
USE_VI = {"radio": "Phát thanh", "website": "Trang thông tin điện tử",
          "social": "Mạng xã hội", "exhibition": "Triển lãm", "archive": "Chỉ lưu trữ"}
METADATA_ONLY = {"vi": "Bản ghi chỉ có siêu dữ liệu: sản phẩm chưa có tệp số.",
                 "en": "Metadata-only record: the product has no digital file yet."}


def dcmi_types(record: dict[str, Any]) -> list[str]:
    """DCMI Types of a record: from its kind, then from the files it lists."""
    kind = (record.get("kind") or {}).get("code")
    found = [DCMI_BY_KIND[kind]] if kind in DCMI_BY_KIND else []
    found += [DCMI_BY_CATEGORY[f["category"]] for f in record["files"]
              if f.get("category") in DCMI_BY_CATEGORY]
    return list(dict.fromkeys(found)) or ["Text"]


def _unit_name(unit: dict[str, Any]) -> str:
    return f"{unit['name']} ({unit['gso_code']})" if unit.get("gso_code") else unit["name"]


def _labelled(terms: list[dict[str, str]], prefix_code: bool = False
              ) -> list[tuple[str, Optional[str]]]:
    out: list[tuple[str, Optional[str]]] = []
    for term in terms:
        vi = f"{term['code']} — {term['label_vi']}" if prefix_code else term["label_vi"]
        out.append((vi, "vi"))
        if term.get("label_en"):
            en = f"{term['code']} — {term['label_en']}" if prefix_code else term["label_en"]
            out.append((en, "en"))
    return out


def access_rights(record: dict[str, Any]) -> str:
    """The access rights of a record as one Vietnamese text with codes in brackets
    (see the mapping above); dates dd/mm/yyyy in the text, ISO in the brackets."""
    level = record["access"]["level"]
    parts = [f"Mức độ tiếp cận: {LEVEL_VI.get(level, level)} [{level}]."]
    embargo = record.get("embargo_until")
    if embargo:
        y, m, d = embargo.split("-")
        parts.append(f"Phổ biến từ ngày {d}/{m}/{y} [embargo {embargo}].")
    uses = record.get("allowed_uses") or []
    if uses:
        parts.append("Được phép sử dụng: " + ", ".join(USE_VI.get(u, u) for u in uses)
                     + f" [uses {' '.join(uses)}].")
    else:
        parts.append("Không được phép sử dụng [uses none].")
    return " ".join(parts)


def dc_fields(record: dict[str, Any], publisher: str = "") -> list[tuple[str, str, Optional[str]]]:
    """(element, value, xml:lang or None) triples of the oai_dc record, in DC order."""
    out: list[tuple[str, str, Optional[str]]] = [("title", record["title"], None)]
    lead = record.get("lead_unit")
    if lead:
        out.append(("creator", _unit_name(lead), None))
    subjects = _labelled(record["themes"]) + _labelled(record["conventions"], prefix_code=True)
    out += [("subject", value, lang) for value, lang in subjects]
    out += [("subject", tag, None) for tag in record["tags"]]
    if record["description"]:
        out.append(("description", record["description"], None))
    if record["metadata_only"]:
        out += [("description", text, lang) for lang, text in METADATA_ONLY.items()]
    if publisher:
        out.append(("publisher", publisher, None))
    out += [("contributor", _unit_name(u), None) for u in record["cooperating_units"]]
    if record["produced_on"]:
        out.append(("date", record["produced_on"], None))
    if record.get("kind"):
        out.append(("type", record["kind"]["label_vi"], "vi"))
    out += [("type", name, None) for name in dcmi_types(record)]
    formats = dict.fromkeys(f["media_type"] for f in record["files"])
    out += [("format", media_type, None) for media_type in formats]
    out.append(("identifier", record["url"], None))
    out += [("language", t["code"], None) for t in record["languages"]]
    out += [("coverage", _unit_name(u), None) for u in record["communes"]]
    if record["rights"]:
        out.append(("rights", record["rights"], None))
    if "access" in record:
        out.append(("rights", access_rights(record), "vi"))
    return out


# elements whose text is the record's own (a title, a description, a URL): written
# each time, never kept (every other one repeats across records: a unit, a label, a
# tag, the access sentence)
_OWN = frozenset({"title", "description", "identifier"})
FRAGMENTS_KEPT = 4096        # elements kept per process (about 1 MB at most)
_fragments: dict[tuple[str, str, Optional[str]], str] = {}


def _element(name: str, value: str, lang: Optional[str]) -> str:
    # xml_text.element's output, written inline: a record has about 20 elements
    if lang:
        return f'<dc:{name} xml:lang="{xml_text.attr(lang)}">{xml_text.text(value)}</dc:{name}>'
    return f"<dc:{name}>{xml_text.text(value)}</dc:{name}>"


def oai_dc_xml(record: dict[str, Any], publisher: str = "") -> str:
    """The ``<oai_dc:dc>`` element of a record as a string, with its namespaces and
    schema location declared on it (so it can stand alone or sit in any container).

    An element is a function of its (name, text, language) alone, so the ones that
    repeat across records are written once per process and kept by that key (an
    OAI-PMH page of 100 records writes about 2,000, most of them seen before): a
    renamed unit or label is a new key, never an old element."""
    kept = _fragments
    parts = []
    for field in dc_fields(record, publisher):
        found = kept.get(field) if type(field[1]) is str else None
        if found is None:
            found = _element(*field)
            if field[0] not in _OWN and type(field[1]) is str:
                if len(kept) >= FRAGMENTS_KEPT:     # (clear: atomic, whatever other threads do)
                    kept.clear()
                kept[field] = found
        parts.append(found)
    return (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
            f'xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">'
            f'{"".join(parts)}</oai_dc:dc>')
