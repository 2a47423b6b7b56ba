"""JSON bodies written by orjson parse to exactly what Flask's own provider wrote: the
same values for every type Flask converts (dates, dataclasses, Markup, UUIDs, Decimals),
keys sorted, Vietnamese text intact (as UTF-8), and a value nothing can write is still a
TypeError."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import NamedTuple

import pytest
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from app.json_body import FastJSONProvider


@dataclass
class Line:
    commune: str
    aired_on: date
    count: int


BODY = {"zeta": 1, "alpha": [Line("Xã Đăk Kôi", date(2025, 7, 1), 3)],
        "label_vi": "Tập huấn, bồi dưỡng — Xơ Đăng", "share": 0.1 + 0.2,
        "at": datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc), "note": Markup("<b>đậm</b>"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "money": Decimal("12.50"),
        "nested": {"b": None, "a": True, "bảy": 7}}


def _app(provider) -> Flask:
    app = Flask(__name__)
    app.json = provider(app)
    app.add_url_rule("/body", "body", lambda: jsonify(BODY))
    return app


def test_the_body_parses_to_what_flasks_provider_wrote():
    fast = _app(FastJSONProvider).test_client().get("/body")
    plain = _app(DefaultJSONProvider).test_client().get("/body")
    assert fast.status_code == 200 and fast.mimetype == "application/json"
    assert json.loads(fast.data) == json.loads(plain.data)
    text = fast.data.decode("utf-8")
    assert "Tập huấn, bồi dưỡng — Xơ Đăng" in text and text.endswith("}\n")
    assert text.index('"alpha"') < text.index('"zeta"')          # keys sorted
    assert json.loads(text)["at"] == "Mon, 07 Dec 2026 09:30:00 GMT"  # Flask's HTTP date


class Place(NamedTuple):
    code: str
    name: str


def test_what_orjson_cannot_write_is_written_by_flask_as_before():
    body = {"place": Place("xa-dak-koi-2025", "Xã Đăk Kôi"), "big": 2**70}
    app = _app(FastJSONProvider)
    app.add_url_rule("/other", "other", lambda: jsonify(body))
    response = app.test_client().get("/other")
    assert response.status_code == 200
    assert json.loads(response.data) == {"place": ["xa-dak-koi-2025", "Xã Đăk Kôi"],
                                         "big": 2**70}


def test_a_value_nothing_can_write_is_a_type_error():
    app = _app(FastJSONProvider)
    with app.app_context(), pytest.raises(TypeError):
        app.json.response({"x": object()})
