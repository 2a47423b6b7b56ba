"""The file name a client really sent with a multipart upload.

Werkzeug reads ``filename="..."`` as an RFC 2616 quoted string, in which a backslash
escapes the next character, so ``C:\\Users\\Hà\\ban tin.mp3`` arrives as
``C:UsersHàban tin.mp3``. Browsers do not escape backslashes there (the HTML standard
percent-encodes ``"`` and line breaks instead), so this reads the part's own
``Content-Disposition`` header again with backslashes literal; intake then keeps only
the last path component (``archive.text.normalize_filename``). ``filename*`` (RFC 5987,
``UTF-8''…``) wins when present. Used by the page and API upload doors.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional
from urllib.parse import unquote

_EXTENDED = re.compile(r"""\bfilename\*\s*=\s*([\w-]+)'[^']*'([^;\s]+)""", re.IGNORECASE)
_PLAIN = re.compile(r'\bfilename\s*=\s*"', re.IGNORECASE)


def sent_filename(headers: Optional[Mapping[str, str]], parsed: Optional[str]) -> str:
    """The name in the part's ``Content-Disposition``, else ``parsed`` (or "")."""
    disposition = (headers or {}).get("Content-Disposition", "") if headers else ""
    extended = _EXTENDED.search(disposition)
    if extended:
        try:
            return unquote(extended.group(2), encoding=extended.group(1), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    start = _PLAIN.search(disposition)
    if start is None:
        return parsed or ""
    name, i = [], start.end()
    while i < len(disposition):
        char = disposition[i]
        if char == "\\" and disposition[i + 1:i + 2] == '"':
            name.append('"')
            i += 2
            continue
        if char == '"':
            return "".join(name)
        name.append(char)
        i += 1
    return parsed or ""
