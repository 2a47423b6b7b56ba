"""Authentication, error format, the OpenAPI document and the health check."""
from __future__ import annotations

import logging
import re
import shutil

import pytest

PUBLIC = {"api.healthz", "api.openapi"}


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]


def _sample_path(rule) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>",
                  lambda m: "1" if m.group(1).endswith("id") else "original", rule.rule)


def test_every_private_route_answers_401_json_without_a_token(api):
    rules = [r for r in _api_rules(api.app) if r.endpoint not in PUBLIC]
    assert len(rules) >= 9
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = api.client.open(_sample_path(rule), method=method)
            assert response.status_code == 401, (method, rule.rule)
            body = response.get_json()
            assert body["error"] == "unauthorized"
            assert "Authorization" in body["fields"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(api):
    response = api.client.get("/api/v1/search", headers={"Authorization": "Bearer kho_nope"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_unexpected_errors_answer_500_with_a_request_id_and_no_internals(api, monkeypatch,
                                                                          caplog):
    from app.services.catalogue import product_view

    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(product_view, "product_view", broken)
    with caplog.at_level(logging.ERROR):
        response = api.call("office", "GET", "/products/1")
    body = response.get_json()
    assert response.status_code == 500
    assert body["error"] == "internal"
    assert "hunter2" not in response.get_data(as_text=True)
    assert body["request_id"] in body["message"]
    assert any(body["request_id"] in r.getMessage() and r.exc_info for r in caplog.records)


def test_messages_follow_accept_language(api):
    bad = {"Authorization": "Bearer kho_nope"}
    english = api.client.get("/api/v1/search", headers=bad)
    vietnamese = api.client.get("/api/v1/search", headers={**bad, "Accept-Language": "vi"})
    assert english.get_json()["message"] == "invalid or revoked API token"
    assert vietnamese.get_json()["error"] == "unauthorized"
    assert vietnamese.get_json()["message"] != english.get_json()["message"]


def test_openapi_document_describes_every_route_and_method(api):
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"error", "message", "fields"} <= set(
        document["components"]["schemas"]["Error"]["properties"])
    for rule in _api_rules(api.app):
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)
    described = {(p, m) for p, item in document["paths"].items() for m in item
                 if m != "parameters"}
    served = {(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule[len("/api/v1"):]),
               m.lower()) for r in _api_rules(api.app) for m in r.methods - {"HEAD", "OPTIONS"}}
    assert described == served


def test_openapi_document_is_valid(api):
    from openapi_spec_validator import validate

    validate(api.client.get("/api/v1/openapi.json").get_json())


def test_healthz_reports_each_component_without_a_token(api):
    response = api.client.get("/api/v1/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {
        "database": "ok", "storage": "ok", "index": "ok", "queue": "ok", "fixity": "ok"}}


def test_healthz_answers_503_naming_the_component_but_not_its_folder(api):
    shutil.rmtree(api.kho.settings.objects_dir)
    response = api.client.get("/api/v1/healthz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["storage"].startswith("unavailable")
    assert str(api.kho.settings.instance) not in response.get_data(as_text=True)
    assert body["checks"]["database"] == "ok"
    from app.services.instance.setup import health          # kho check: the operator's

    assert str(api.kho.settings.objects_dir) in health(api.kho)["storage"]


def test_healthz_with_the_database_down_names_no_host_port_or_database(tmp_path):
    from app import create_app
    from app.services.instance.setup import health
    from tests.conftest import make_settings
    from tests.s3server import free_port

    port = free_port()                      # nothing listens there
    url = f"postgresql+psycopg://kho_user@127.0.0.1:{port}/kho_secret_db"
    app = create_app(make_settings(tmp_path / "down", database_url=url))
    response = app.test_client().get("/api/v1/healthz")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unavailable")
    for secret in ("127.0.0.1", str(port), "kho_secret_db", "kho_user"):
        assert secret not in text
    assert str(port) in health(app.extensions["kho"])["database"]   # kho check says where
    app.extensions["kho"].close()


def _validator(document, name):
    from jsonschema import Draft202012Validator

    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema)


def test_real_responses_match_the_documented_schemas(api):
    import io

    from tests.broadcast_copies import give_broadcast_copy
    from tests.unit.api.conftest import png_bytes

    document = api.client.get("/api/v1/openapi.json").get_json()
    product = api.create(title="Tranh Đăk Kôi", kind="poster", communes=["xa-dak-koi-2025"])
    upload = api.call("producer", "POST", f"/products/{product['id']}/files",
                      data={"file": (io.BytesIO(png_bytes()), "t.png")},
                      content_type="multipart/form-data").get_json()
    aired = api.create(title="Bản tin phát thanh")           # a product with a broadcast MP3
    give_broadcast_copy(api.kho, aired["id"])
    samples = {
        "Product": api.call("office", "GET", f"/products/{product['id']}").get_json(),
        "UploadResult": upload["files"][0],
        "SearchResult": api.call("office", "GET", "/search?q=tranh").get_json(),
        "Broadcast": api.call("commune", "POST", f"/products/{aired['id']}/broadcasts",
                              json={"aired_on": "2025-09-01"}).get_json(),
        "Error": api.call("office", "GET", "/products/999").get_json(),
        "Health": api.client.get("/api/v1/healthz").get_json(),
        "HistoryEntry": api.call("office", "GET",
                                 f"/products/{product['id']}/history").get_json()["history"][0],
    }
    assert samples["Product"]["files"][0]["renditions"]
    for name, sample in samples.items():
        errors = [e.message for e in _validator(document, name).iter_errors(sample)]
        assert errors == [], name


def test_every_field_of_a_product_and_its_history_is_documented(api):
    """The schemas allow extra fields, so a field the API adds and the document forgets
    (created_by_name, user_name, …) would pass the validation above unnoticed."""
    document = api.client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    product = api.create(title="Phóng sự tên người")
    api.call("producer", "PATCH", f"/products/{product['id']}", json={"title": "Tựa mới"})
    shown = api.call("office", "GET", f"/products/{product['id']}").get_json()
    history = api.call("office", "GET", f"/products/{product['id']}/history").get_json()
    assert shown["created_by_name"] and shown["updated_by_name"]
    assert set(shown) <= set(schemas["Product"]["properties"])
    for entry in history["history"]:
        assert entry["user_name"]
        assert set(entry) <= set(schemas["HistoryEntry"]["properties"]), entry["action"]
    for field in ("created_by_name", "updated_by_name"):
        assert "full" in schemas["Product"]["properties"][field]["description"]
    assert "full" in schemas["HistoryEntry"]["properties"]["user_name"]["description"]


def test_unknown_api_paths_and_methods_answer_json(api):
    missing = api.call("office", "GET", "/no-such-thing")
    wrong = api.call("office", "PUT", "/products/1", json={})
    assert missing.status_code == 404 and "error" in missing.get_json()
    assert wrong.status_code == 405 and "error" in wrong.get_json()
