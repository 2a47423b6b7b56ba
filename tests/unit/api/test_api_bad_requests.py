"""Malformed requests answer 4xx naming what is wrong, never 500: a JSON body nested
100,000 deep, out-of-range paging, impossible dates, unknown URLs and methods."""
from __future__ import annotations

import pytest

from tests.unit.api.conftest import COMMUNE


def test_json_nested_100000_deep_is_422_naming_the_body(api):
    deep = "[" * 100_000 + "]" * 100_000
    response = api.call("producer", "POST", "/products", data=deep,
                        content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"body": "the JSON body is nested too deeply"}


@pytest.mark.parametrize("depth", [300, 600, 900])
def test_json_that_parses_but_nests_deeply_is_checked_without_a_server_error(api, depth):
    body = '{"title": "Phóng sự", "tags": ' + "[" * depth + "]" * depth + "}"
    response = api.call("producer", "POST", "/products", data=body,
                        content_type="application/json")
    assert response.status_code < 500, response.get_json()


@pytest.mark.parametrize("query,field", [("per_page=0", "per_page"), ("per_page=101", "per_page"),
                                         ("page=0", "page"),
                                         ("page=99999999999999999999", "page")])
def test_paging_outside_its_range_is_422_naming_the_parameter(api, query, field):
    response = api.call("commune", "GET", f"/search?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_an_empty_year_means_every_year(api):
    assert api.call("office", "GET", "/broadcasts?year=").status_code == 200
    assert api.call("office", "GET", "/search?year=").status_code == 200


def test_an_airing_in_year_one_is_a_typo_named_as_such(api):
    product = api.create()
    response = api.call("commune", "POST", f"/products/{product['id']}/broadcasts",
                        json={"aired_on": "01/01/0001", "commune": COMMUNE})
    assert response.status_code == 422
    assert response.get_json()["fields"]["aired_on"] == \
        "01/01/0001 is before 1900: check the year"


def test_unknown_urls_and_methods_answer_with_the_usual_codes_and_allow(api):
    missing = api.call("office", "GET", "/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = api.call("office", "PUT", "/search")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    vi = api.client.delete("/api/v1/products", headers={"Accept-Language": "vi"})
    assert vi.status_code == 405 and "POST" in vi.headers["Allow"]
    assert vi.get_json()["message"] == "Không được phép thao tác này ở đây."


def test_an_unknown_query_parameter_is_named_not_ignored(api):
    response = api.call("commune", "GET", "/search?q=quyen&langauges=sed")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"langauges": "unknown parameter"}
    assert api.call("commune", "GET", "/search?q=quyen&languages=sed").status_code == 200


def test_a_control_character_in_a_parameter_is_refused(api):
    response = api.call("office", "GET", "/stats?to=%C2%84")
    assert response.status_code == 422 and "to" in response.get_json()["fields"]


def test_true_or_false_for_a_text_field_is_refused_naming_it(api):
    response = api.call("producer", "POST", "/products",
                        json={"title": "Phóng sự", "rights_note": True})
    assert response.status_code == 422
    assert "rights_note" in response.get_json()["fields"]
