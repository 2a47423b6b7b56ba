"""The native ``kho`` XML record (every field of the native record), version 2.0.

Its schema is ``app/static/schemas/kho-record-2.0.xsd``, served by Kho at
``<public_url>/static/schemas/kho-record-2.0.xsd``. The version is in the namespace
and the file name: a change that old readers would misread gets a new version (1.1
would add optional elements only; 2.0 changes what is required) and both schemas stay
served.

2.0 (issue 26) carries the access of the product, so a harvester can apply Kho's
rule from Kho's own record: ``<kho:access>`` with the level (code, Vietnamese label
as text), the embargo date, the uses every running consent allows today (codes,
labels as text) and the community-protocol note — never who gave consent; a file
stricter than its product says its own level (``accessLevel``). It drops 1.0's
``<kho:sensitive>``, which access levels replaced (it was ``false`` in every record
ever disseminated) — a required element added and one removed, hence 2.0. Kho writes 2.0
only (the ``kho`` metadataPrefix); ``kho-record-1.0.xsd`` stays served so the records
harvested before still validate.
"""
from __future__ import annotations

from typing import Any, Optional

from app.services.records import xml_text
from app.services.records.dublin_core import LEVEL_VI, USE_VI
from app.services.records.native import base_url
from archive.access import stricter
from config import Settings

KHO_VERSION = "2.0"
KHO_NS = f"urn:kho:record:{KHO_VERSION}"
SCHEMA_FILE = f"kho-record-{KHO_VERSION}.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def schema_url(settings: Settings) -> str:
    """Where this Kho serves the XSD of the native format."""
    return f"{base_url(settings)}/static/schemas/{SCHEMA_FILE}"


def _term(tag: str, term: Optional[dict[str, str]]) -> str:
    if term is None:
        return ""
    return xml_text.element(f"kho:{tag}", term["label_vi"], code=term["code"],
                            labelEn=term.get("label_en") or None)


def _unit(tag: str, unit: Optional[dict[str, Any]]) -> str:
    if unit is None:
        return ""
    return xml_text.element(f"kho:{tag}", unit["name"], code=unit["code"],
                            gsoCode=unit.get("gso_code") or None)


def _list(tag: str, item: str, values: list, write) -> str:
    return f"<kho:{tag}>{''.join(write(item, v) for v in values)}</kho:{tag}>"


def _access(r: dict[str, Any]) -> str:
    """``<kho:access>``: level, embargo (absent when none), allowed uses, protocol note.
    Labels are the seeded Vietnamese ones (as in ``oai_dc``'s rights); codes decide."""
    level = r["access"]["level"]
    uses = "".join(xml_text.element("kho:use", USE_VI.get(u, u), code=u)
                   for u in r["allowed_uses"])
    return ("<kho:access>"
            + xml_text.element("kho:level", LEVEL_VI.get(level, level), code=level)
            + (xml_text.element("kho:embargoUntil", r["embargo_until"])
               if r.get("embargo_until") else "")
            + f"<kho:allowedUses>{uses}</kho:allowedUses>"
            + xml_text.element("kho:protocolNote", r.get("protocol_note") or "")
            + "</kho:access>")


def _own_level(f: dict[str, Any], product_level: str) -> str:
    """The ``accessLevel`` attribute of a file stricter than its product, else ""."""
    level = f.get("access_level")
    if level is None or stricter(product_level, level) == product_level:
        return ""
    return f' accessLevel="{xml_text.attr(level)}"'


def _file(f: dict[str, Any], product_level: str = "public") -> str:
    renditions = "".join(
        f'<kho:rendition name="{xml_text.attr(r["name"])}" '
        f'mediaType="{xml_text.attr(r["media_type"])}" size="{int(r["size"])}" '
        f'url="{xml_text.attr(r["url"])}"/>' for r in f["renditions"])
    return (f'<kho:file id="{int(f["id"])}" status="{xml_text.attr(f["status"])}" '
            f'category="{xml_text.attr(f["category"])}"'
            f'{_own_level(f, product_level)}>'
            + xml_text.element("kho:fileName", f["file_name"])
            + xml_text.element("kho:sha256", f["sha256"])
            + xml_text.element("kho:size", int(f["size"]))
            + xml_text.element("kho:mediaType", f["media_type"])
            + renditions + "</kho:file>")


def kho_xml(record: dict[str, Any], settings: Settings) -> str:
    """The ``<kho:record>`` element of a native record, namespaces declared on it."""
    r = record
    parts = [
        xml_text.element("kho:title", r["title"]),
        xml_text.element("kho:description", r["description"]),
        _term("kind", r["kind"]),
        _list("languages", "language", r["languages"], _term),
        _list("themes", "theme", r["themes"], _term),
        _list("conventions", "convention", r["conventions"], _term),
        _list("channels", "channel", r["channels"], _term),
        _term("planTask", r["plan_task"]),
        _unit("leadUnit", r["lead_unit"]),
        _list("cooperatingUnits", "unit", r["cooperating_units"], _unit),
        _list("communes", "commune", r["communes"], _unit),
        xml_text.element("kho:producedOn", r["produced_on"]) if r["produced_on"] else "",
        _list("tags", "tag", r["tags"], lambda tag, v: xml_text.element(f"kho:{tag}", v)),
        xml_text.element("kho:rights", r["rights"]),
        xml_text.element("kho:status", r["status"]),
        _access(r),
        xml_text.element("kho:created", r["created_at"]),
        xml_text.element("kho:updated", r["updated_at"]),
        xml_text.element("kho:url", r["url"]),
        _list("sets", "set", r["sets"], lambda tag, v: xml_text.element(f"kho:{tag}", v)),
        f'<kho:files metadataOnly="{"true" if r["metadata_only"] else "false"}">'
        + "".join(_file(f, r["access"]["level"]) for f in r["files"]) + "</kho:files>",
    ]
    return (f'<kho:record xmlns:kho="{KHO_NS}" xmlns:xsi="{XSI_NS}" '
            f'xsi:schemaLocation="{KHO_NS} {xml_text.attr(schema_url(settings))}" '
            f'version="{KHO_VERSION}" id="{int(r["id"])}">' + "".join(parts) + "</kho:record>")
