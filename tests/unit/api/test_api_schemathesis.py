"""Schemathesis drives the API from its own OpenAPI document, as each role.

Every operation gets generated valid and invalid requests (bounded by
``EXAMPLES_PER_OPERATION`` so the suite stays quick) with the admin, producer,
commune and office tokens, and every response is held to the document: no server
error, only declared statuses, content types and headers, bodies matching their
schemas, invalid input refused and valid input accepted.
"""
from __future__ import annotations

import io
from typing import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.broadcast_copies import give_broadcast_copy
from tests.conftest import make_settings
from tests.unit.api.conftest import ROLES, build_api, png_bytes

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator:
    """An instance with a few products (one with a stored image) and a token per role."""
    yield from fuzzed_api(make_settings(tmp_path_factory.mktemp("fuzz") / "instance"))


def fuzzed_api(settings_) -> Iterator:
    """The API of ``settings_``' instance with a few products (one with a stored image,
    a broadcast log) and a token per role (tests/integration runs it on PostgreSQL)."""
    for api in build_api(settings_):
        for n in range(3):
            product = api.create(title=f"Phóng sự {n}")
        api.call("producer", "POST", f"/products/{product['id']}/files",
                 data={"file": [(io.BytesIO(png_bytes()), "áp phích.png")]},
                 content_type="multipart/form-data")
        give_broadcast_copy(api.kho, product["id"])   # airable: a log to read and withdraw
        api.call("commune", "POST", f"/products/{product['id']}/broadcasts",
                 json={"aired_on": "2025-09-01"})
        yield api


def _document() -> dict:
    from app.api.openapi import document

    return document()


# A request the document allows may still break a rule no schema can say: a date in
# the future or before its commune existed, a vocabulary code that is not in the
# vocabulary, an entity tag of another version (If-Match). Those answer 422 or 412,
# which count as accepted-and-answered here; everything else a valid request gets
# must be 2xx/3xx/401/403/404/409/429. Schemathesis does not hold the header values it
# generates to their ``pattern`` (it sends ``If-Match: 0`` as valid), and Kho answers a
# malformed If-Match 400: so 400 counts as answered too.
CONFIG = schemathesis.Config.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": [
        "2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429"]},
    "negative_data_rejection": {"expected-statuses": [
        "400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422",
        "428", "429"]}}})

# the document is a plain function of the code (the app serves the same one), so it is
# read at collection; requests go to the fixture's app
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_documented_promises(case, fuzzed):
    as_every_role(case, fuzzed)


def as_every_role(case, fuzzed) -> None:
    """Send ``case`` as each role (or as it is, when it leaves the token out on purpose)
    and hold every answer to the document."""
    case.operation.schema.app = fuzzed.app      # also for the checks' own requests
    if _headers_negated(case):   # a request made without its token on purpose: as it is
        case.call_and_validate(app=fuzzed.app)
        return
    for role in ROLES:       # the same request as each role: what it may do differs
        case.call_and_validate(app=fuzzed.app,
                               headers={"Authorization": f"Bearer {fuzzed.tokens[role]}"})


def _headers_negated(case) -> bool:
    """Whether Schemathesis made this case's headers invalid (e.g. left out the required
    Authorization): adding a token back would undo the very thing it tests."""
    from schemathesis.core.parameters import ParameterLocation

    component = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    return component is not None and component.mode.is_negative
