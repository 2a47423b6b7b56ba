"""Writing XML text safely by hand (the record writers stream strings, not trees).

XML 1.0 cannot carry most control characters at all, not even escaped; a title pasted
from a word processor can hold one (U+000B, U+FFFE), so they are dropped rather than
produce a document no harvester can parse.
"""
from __future__ import annotations

import re
from typing import Optional

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# one str.translate pass escapes and drops the forbidden characters text can hold (C0
# controls, U+FFFE/U+FFFF); only a lone surrogate, which no database returns, is left
# for the slower regular expression
_DROP = {c: None for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]}
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **_DROP})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\n": "&#10;", "\r": "&#13;", "\t": "&#9;", **_DROP})


def _clean(value: object) -> str:
    text = str(value)
    return _NOT_XML.sub("", text) if not text.isascii() and _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text(value: object) -> str:
    """Character data for an element: escaped, characters XML forbids removed."""
    return _clean(value).translate(_TEXT)


def attr(value: object) -> str:
    """An attribute value for ``name="…"``: escaped, forbidden characters removed."""
    return _clean(value).translate(_ATTR)


def element(name: str, value: object, lang: Optional[str] = None, **attrs: object) -> str:
    """``<name attr="…">value</name>``; ``lang`` becomes ``xml:lang``. Attributes
    whose value is None are left out."""
    if not lang and not attrs:
        return f"<{name}>{_clean(value).translate(_TEXT)}</{name}>"
    parts = [name]
    if lang:
        parts.append(f'xml:lang="{attr(lang)}"')
    parts += [f'{k}="{attr(v)}"' for k, v in attrs.items() if v is not None]
    return f"<{' '.join(parts)}>{text(value)}</{name}>"
