"""``kho access requests|grant|refuse``: the office lists its queue, grants a request
until a date or refuses it with a reason, in Vietnamese; a decided request is refused
with exit code 1, a date a year and more ahead with exit code 2 naming the date."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.services.common.clock import local_today
from tests.unit.services.access.test_requests import PASSWORD, make_product


@pytest.fixture
def asked(kho) -> int:
    from app.services.access import accounts, requests

    accounts.add_user(kho, "so-vh", "office", PASSWORD, unit="so-vhttdl-quang-ngai-2025")
    accounts.add_user(kho, "konbraih", "commune", PASSWORD, commune="xa-kon-braih-2025")
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    return requests.ask(kho, accounts.actor_by_name(kho, "konbraih"), ritual,
                        "Phát lại trong chuyên mục văn hóa")["id"]


def test_the_office_lists_and_grants_then_a_second_decision_is_refused(kho_cli, kho, asked):
    listed = kho_cli("--lang", "vi", "access", "requests", "--queue", "--as", "so-vh")
    assert listed.exit_code == 0 and f"#{asked}\tđang chờ" in listed.output
    assert "Phát lại trong chuyên mục văn hóa" in listed.output
    until = local_today(kho.settings) + timedelta(days=5)
    done = kho_cli("--lang", "vi", "access", "grant", str(asked), "--until",
                   until.strftime("%d/%m/%Y"), "--as", "so-vh")
    assert done.exit_code == 0, done.output
    assert f"được phép đến hết ngày {until.strftime('%d/%m/%Y')}" in done.output
    again = kho_cli("--lang", "vi", "access", "refuse", str(asked), "--reason", "Đổi ý",
                    "--as", "so-vh")
    assert again.exit_code == 1 and "đã được quyết định" in again.output
    mine = kho_cli("access", "requests", "--json", "--as", "konbraih")
    assert json.loads(mine.output.splitlines()[0])["status"] == "granted"


def test_a_grant_beyond_a_year_is_refused_naming_the_date(kho_cli, kho, asked):
    far = local_today(kho.settings) + timedelta(days=400)
    bad = kho_cli("--lang", "vi", "access", "grant", str(asked), "--until", far.isoformat())
    assert bad.exit_code == 2 and "tối đa 366 ngày" in bad.output
