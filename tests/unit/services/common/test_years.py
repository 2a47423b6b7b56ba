"""``?year=`` means the same on the report download and in the API."""
from __future__ import annotations

import pytest

from archive.errors import ValidationError


def test_a_year_is_digits_or_nothing():
    from app.services.common.parameters import parse_year

    assert parse_year(" 2025 ") == 2025
    assert parse_year("") is None and parse_year(None) is None
    with pytest.raises(ValidationError) as caught:
        parse_year("2O25" + "x" * 50)
    assert caught.value.field == "year"
    assert len(caught.value.params["value"]) == 20      # what is shown back is cut short
