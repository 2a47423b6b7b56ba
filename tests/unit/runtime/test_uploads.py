"""The file name a browser sent: backslashes are literal, as browsers send them."""
from __future__ import annotations

import pytest

from app.uploads import sent_filename
from archive.text import normalize_filename


@pytest.mark.parametrize("disposition,expected", [
    ('form-data; name="file"; filename="..\\..\\windows\\win.ini"', "win.ini"),
    ('form-data; name="file"; filename="C:\\Users\\Hà\\bản tin.mp3"', "bản tin.mp3"),
    ('form-data; name="file"; filename="a \\"quoted\\" name.png"', 'a "quoted" name.png'),
    ("form-data; name=\"file\"; filename=\"x.png\"; filename*=UTF-8''%C3%A1p%20ph%C3%ADch.png",
     "áp phích.png"),
    ('form-data; name="file"; filename="plain.pdf"', "plain.pdf"),
])
def test_the_name_is_read_as_browsers_write_it(disposition, expected):
    got = sent_filename({"Content-Disposition": disposition}, "parsed-by-werkzeug")
    assert normalize_filename(got) == expected


def test_without_a_readable_header_the_parsed_name_is_kept():
    assert sent_filename({}, "fallback.png") == "fallback.png"
    assert sent_filename({"Content-Disposition": 'form-data; filename="unterminated'},
                         "fallback.png") == "fallback.png"
