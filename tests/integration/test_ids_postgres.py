"""Ids beyond PostgreSQL's INTEGER (2,147,483,647) are "not found" on every door, never a
500 "integer out of range": every route with a numeric id is tried, signed in with the
role that may use it most, on a catalogue in PostgreSQL."""
from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

from tests.conftest import make_settings
from tests.unit.web.conftest import PASSWORD, Browser

TOO_BIG = (2 ** 31, 99_999_999_999_999_999_999)
FILLERS = {"rendition": "original", "name": "kinds", "code": "vi", "fmt": "docx",
           "page": "1", "number": "1"}


def _urls(app, big: int) -> list[tuple[str, str]]:
    """(method, url) for every route with an ``<int:…>`` part, that part set to ``big``."""
    out = []
    for rule in app.url_map.iter_rules():
        ids = {arg for arg, conv in rule._converters.items() if isinstance(conv, IntegerConverter)}
        if not ids:
            continue
        values = {arg: str(big) if arg in ids else FILLERS.get(arg, "x")
                  for arg in rule._converters}
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


def test_ids_beyond_postgresql_integer_are_not_found_on_every_door(tmp_path, migrated_pg_url):
    from app import create_app
    from app.services.access import accounts
    from app.services.instance.setup import init_instance

    app = create_app(make_settings(tmp_path / "instance", database_url=migrated_pg_url))
    kho = app.extensions["kho"]
    try:
        init_instance(kho)
        accounts.add_user(kho, "quantri", "admin", PASSWORD)
        token = accounts.create_token(kho, "quantri")
        web = Browser(app.test_client())
        assert web.login("quantri").status_code == 302
        api = app.test_client()
        answers = []
        for big in TOO_BIG:
            for method, url in _urls(app, big):
                if url.startswith("/api/"):
                    got = api.open(url, method=method, json={},
                                   headers={"Authorization": f"Bearer {token}"})
                else:
                    got = web.client.open(url, method=method, data={})
                answers.append((method, url, got.status_code))
        assert len(answers) > 40                       # the product, file, broadcast … routes
        assert [a for a in answers if a[2] >= 500] == []
        # "not found" everywhere; only web forms may stop earlier, at their CSRF check
        assert {a[2] for a in answers if a[0] == "GET" or a[1].startswith("/api/")} == {404}
        assert {a[2] for a in answers} <= {400, 404}
        assert ("GET", f"/api/v1/products/{2 ** 31}", 404) in answers
    finally:
        kho.close()
