"""GET /api/v1/stats: office and admin only, the service's numbers exactly, filters."""
from __future__ import annotations

import pytest

from app.services.activities import people_view
from app.services.stats import plan_progress
from app.services.access.actors import Actor
from tests.unit.api.test_api_access import _validator
from tests.unit.services.stats.test_stats import _build

OFFICE = Actor(None, "office", "office")


@pytest.fixture
def catalogue(api):
    return _build(api.kho)


def service_json(kho, **params):
    figures = plan_progress.compute_stats(kho, OFFICE, plan_progress.parse_scope(kho, params))
    body = plan_progress.stats_json(figures)
    body.update(people_view.stats_blocks(people_view.scope_figures(kho, OFFICE, figures.scope)))   # people, activities
    return body


def test_office_and_admin_get_exactly_the_service_figures(api, catalogue):
    for role in ("office", "admin"):
        response = api.call(role, "GET", "/stats")
        assert response.status_code == 200
        assert response.get_json() == service_json(api.kho)
    body = api.call("office", "GET", "/stats").get_json()
    assert (body["total"], body["digitised"]) == (7, 4)
    assert body["digitisation_rate"] == 4 / 7 and body["combined_share"] == 4 / 7
    assert body["ethnic_language_share"] == 2 / 7 and body["foreign_language_share"] == 1 / 7
    assert body["digital_platform_share"] == 2 / 7 and body["online_rate"] == 1 / 7
    assert body["target"] == {"band_min": 0.15, "band_max": 0.2, "verdict": "above"}
    raw = api.call("office", "GET", "/stats").data          # Vietnamese as UTF-8, not \u
    assert b"\\u" not in raw and "Xã".encode() in raw


def test_filters_in_the_query_string(api, catalogue):
    cases = [({"from": "2024-01-01", "to": "2024-12-31"}, 2), ({"unit": "phong-gddt-kon-ray"}, 1),
             ({"commune": "23497"}, 3), ({"commune": "xa-kon-braih-2025", "rollup": "false"}, 1)]
    for params, total in cases:
        body = api.call("office", "GET", "/stats", query_string=params).get_json()
        assert body["total"] == total, params
        assert body == service_json(api.kho, **params)
    merged = api.call("office", "GET", "/stats?rollup=false").get_json()
    assert "xa-tan-lap" in {r["code"] for r in merged["by_commune"]}


@pytest.mark.parametrize("role", ["producer", "commune"])
def test_other_roles_are_forbidden(api, catalogue, role):
    response = api.call(role, "GET", "/stats?from=nonsense")     # 403 before the parameters
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_no_token_is_401(api):
    assert api.call(None, "GET", "/stats").status_code == 401


@pytest.mark.parametrize("query, field", [
    ("from=31-31-2024", "from"), ("from=2025-01-01&to=2024-01-01", "to"),
    ("unit=khong-co", "unit"), ("commune=12345", "commune"), ("rollup=hmm", "rollup"),
    ("form=2024-01-01", "form")])
def test_bad_parameters_are_named(api, query, field):
    response = api.call("office", "GET", f"/stats?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_the_answer_matches_the_openapi_schema(api, catalogue):
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert "/stats" in document["paths"]
    body = api.call("office", "GET", "/stats").get_json()
    assert [e.message for e in _validator(document, "Stats").iter_errors(body)] == []
    empty = api.call("office", "GET", "/stats?from=2030-01-01").get_json()
    assert empty["target"]["verdict"] == "no_data"
    assert [e.message for e in _validator(document, "Stats").iter_errors(empty)] == []
