"""Vietnamese first: every interface string has a Vietnamese translation, and the
compiled catalogue the app loads is the one the .po file describes."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app/translations/vi/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="vi")


def _used_messages() -> set[str]:
    method_map = [("app/web/**.py", "python"), ("app/cli/**.py", "python"),
                  ("app/templates/**.html", "jinja2")]
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_page_and_command_string_is_translated_to_vietnamese():
    catalog = _catalog()
    missing = sorted(m for m in _used_messages()
                     if m not in catalog or not catalog[m].string)
    assert missing == [], f"add Vietnamese for: {missing[:20]}"


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in _catalog() if m.id and m.string and not m.fuzzy}
    assert compiled == source, "run: make translations"
