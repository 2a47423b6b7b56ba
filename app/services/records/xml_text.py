"""Writing XML text safely by hand (the record writers stream strings, not trees).

XML 1.0 cannot carry most control characters at all, not even escaped; a title pasted
from a word processor can hold one (U+000B, U+FFFE), so they are dropped rather than
produce a document no harvester can parse.
"""
from __future__ import annotations

import re
from typing import Optional

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: object) -> str:
    # a search finds nothing in almost every text, and costs far less than a substitution
    text = str(value)
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def text(value: object) -> str:
    """Character data for an element: escaped, characters XML forbids removed."""
    return _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: object) -> str:
    """An attribute value for ``name="…"``: escaped, forbidden characters removed;
    line breaks and tabs as character references (a parser would fold them)."""
    return (text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#9;"))


def element(name: str, value: object, lang: Optional[str] = None, **attrs: object) -> str:
    """``<name attr="…">value</name>``; ``lang`` becomes ``xml:lang``. Attributes
    whose value is None are left out."""
    if not lang and not attrs:
        return f"<{name}>{text(value)}</{name}>"
    parts = [name]
    if lang:
        parts.append(f'xml:lang="{attr(lang)}"')
    parts += [f'{k}="{attr(v)}"' for k, v in attrs.items() if v is not None]
    return f"<{' '.join(parts)}>{text(value)}</{name}>"
