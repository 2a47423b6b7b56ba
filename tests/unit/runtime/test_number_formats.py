"""Numbers and percentages the Vietnamese way (1.234.567; 18,5 %) or the English way,
written without Babel on the hot path but exactly as Babel writes them."""
from __future__ import annotations

import random

from babel.numbers import format_decimal

from app.i18n import format_int, format_number, format_percent


def test_percent_reads_the_vietnamese_way():
    assert format_percent(0.185, "vi") == "18,5 %" and format_percent(0.185, "en") == "18.5%"
    assert format_percent(4 / 7, "vi") == "57,1 %" and format_percent(1.0, "vi") == "100,0 %"
    assert format_percent(12.3456, "vi") == "1.234,6 %" and format_percent(None, "vi") == ""


def test_whole_numbers_are_grouped_by_thousands():
    assert format_int(1234567, "vi") == "1.234.567" and format_int(1234567, "en") == "1,234,567"
    assert format_number(-1000, "vi") == "-1.000" and format_number(2.5, "vi") == "2,5"


def test_the_fast_paths_write_what_babel_writes():
    rnd = random.Random(10)
    fractions = [n / d for d in range(1, 120) for n in range(d + 1)] + \
        [rnd.random() * 50 for _ in range(3000)] + [0.1855, 0.0005, 0.00049999]
    for value in fractions:
        for locale, sign in (("vi", " %"), ("en", "%")):
            babel = format_decimal(value * 100, format="#,##0.0", locale=locale) + sign
            assert format_percent(value, locale) == babel, (value, locale)
    for n in [0, 999, 1000, -1] + [rnd.randint(-10 ** 12, 10 ** 12) for _ in range(500)]:
        for locale in ("vi", "en"):
            assert format_int(n, locale) == format_decimal(n, locale=locale)
