"""GET /api/v1/stats and /api/v1/broadcasts for unit-scoped office tokens: each answers
for its unit's part without any filter; a unit or commune outside it is 403 naming it."""
from __future__ import annotations

import pytest

from app.services.access import accounts
from tests.unit.services.stats.unit_part_catalogue import BROADCASTS, OFFICES, PART, build


@pytest.fixture
def tokens(api) -> dict[str, str]:
    build(api.kho)
    return {name: accounts.create_token(api.kho, name, "tests") for name in OFFICES}


def _get(api, token: str, path: str, **query):
    return api.client.get(f"/api/v1{path}", query_string=query,
                          headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("account", list(OFFICES))
def test_each_office_token_gets_its_part(api, tokens, account):
    body = _get(api, tokens[account], "/stats").get_json()
    assert body["total"] == len(PART[account])
    assert body["scope"]["account_unit"] == OFFICES[account]
    if account in BROADCASTS:
        assert {r["code"]: r["count"] for r in body["broadcasts_by_commune"]} == \
            BROADCASTS[account]


def test_a_filter_outside_the_part_is_403_naming_it(api, tokens):
    response = _get(api, tokens["vh.dakkoi"], "/stats", commune="xa-dak-rve-2025")
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "forbidden" and "commune" in body["fields"]
    assert "Xã Đăk Rve" in body["message"]
    assert _get(api, tokens["vh.dakkoi"], "/stats", unit="tinh-quang-ngai-2025").status_code == 403
    both = _get(api, tokens["so.vhttdl"], "/stats", commune="xa-dak-koi-2025").get_json()
    assert both["total"] == 3


def test_the_broadcast_list_is_the_part(api, tokens):
    rows = _get(api, tokens["vh.dakrve"], "/broadcasts").get_json()["broadcasts"]
    assert {r["commune"]["code"] for r in rows} == {"xa-dak-rve-2025"} and len(rows) == 2
    assert _get(api, tokens["vh.dakrve"], "/broadcasts",
                commune="xa-dak-koi-2025").status_code == 403
    assert len(_get(api, tokens["vanphong"], "/broadcasts").get_json()["broadcasts"]) == 3
