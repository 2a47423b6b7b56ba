"""A unit-scoped office account's figures, next steps, report and broadcast list are
its unit's part, without any filter; a filter outside the part is refused naming it."""
from __future__ import annotations

import pytest

from app.services.access import accounts
from app.services.broadcasts.log import list_broadcasts
from app.services.stats import plan_progress
from app.services.stats.next_steps import request_next_steps
from archive.errors import PermissionDenied
from tests.unit.services.stats.unit_part_catalogue import (BROADCASTS, DOWNLOADS, OFFICES,
                                                           PART, build)


@pytest.fixture
def ids(kho) -> dict[str, int]:
    return build(kho)


def _names(ids: dict[str, int], product_ids) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in product_ids}


@pytest.mark.parametrize("account", list(OFFICES))
def test_each_office_gets_its_part_without_a_filter(kho, ids, account):
    actor = accounts.actor_by_name(kho, account)
    figures = plan_progress.request_stats(kho, actor, {})
    assert figures.total == len(PART[account])
    assert figures.scope.account_unit == OFFICES[account]
    fresh = plan_progress.compute_stats(kho, actor, plan_progress.parse_scope(kho, {}))
    assert fresh.counts() == figures.counts()            # cached and counted agree
    if account in BROADCASTS:
        assert {r.code: r.count for r in figures.broadcasts_by_commune} == BROADCASTS[account]
    if account in DOWNLOADS:
        assert {r.code: r.count for r in figures.downloads_by_commune} == DOWNLOADS[account]


def test_the_cache_never_hands_one_part_to_another(kho, ids):
    totals = [plan_progress.request_stats(kho, accounts.actor_by_name(kho, a), {}).total
              for a in ("vanphong", "vh.dakkoi", "vh.dakrve", "vh.dakkoi", "vanphong")]
    assert totals == [7, 3, 2, 3, 7]


def test_a_filter_outside_the_part_is_refused_naming_the_unit(kho, ids):
    dakkoi = accounts.actor_by_name(kho, "vh.dakkoi")
    with pytest.raises(PermissionDenied) as err:
        plan_progress.request_stats(kho, dakkoi, {"commune": "xa-dak-rve-2025"})
    assert err.value.field == "commune" and "Xã Đăk Rve" in err.value.message
    with pytest.raises(PermissionDenied) as err:
        plan_progress.request_stats(kho, dakkoi, {"unit": "so-vhttdl-quang-ngai-2025"})
    assert err.value.field == "unit" and "Sở Văn hóa" in err.value.message
    # a commune it absorbed is its own: K2 was filed under Đăk Tơ Lung
    absorbed = plan_progress.request_stats(kho, dakkoi, {"commune": "xa-dak-to-lung",
                                                         "rollup": "false"})
    assert absorbed.total == 1
    province = accounts.actor_by_name(kho, "so.vhttdl")
    assert plan_progress.request_stats(kho, province, {"commune": "xa-dak-rve-2025"}).total == 2


def test_the_next_steps_list_only_the_part(kho, ids):
    dakrve = accounts.actor_by_name(kho, "vh.dakrve")
    figures = plan_progress.request_stats(kho, dakrve, {})
    todo = request_next_steps(kho, dakrve, figures.scope)
    assert _names(ids, [t.id for t in todo.not_digitised]) == {"R1", "R2"}
    assert todo.not_digitised_total == 2
    assert {c.code for c in todo.silent_communes} <= {"xa-dak-rve-2025"}
    everything = request_next_steps(kho, accounts.actor_by_name(kho, "vanphong"),
                                    plan_progress.parse_scope(kho, {}))
    assert everything.not_digitised_total == 7


def test_the_yearly_report_is_the_part(kho, ids, tmp_path):
    from app.services.reports.yearly import write_report

    written = write_report(kho, accounts.actor_by_name(kho, "vh.dakkoi"), 2025,
                           tmp_path / "bao-cao.xlsx")
    assert (written.products, written.listed) == (3, 3)
    with pytest.raises(PermissionDenied):
        write_report(kho, accounts.actor_by_name(kho, "vh.dakkoi"), 2025,
                     tmp_path / "bao-cao.docx", commune="xa-dak-rve-2025")


def test_the_broadcast_list_is_the_part_but_a_product_shows_every_airing(kho, ids):
    dakkoi = accounts.actor_by_name(kho, "vh.dakkoi")
    rows = list_broadcasts(kho, dakkoi)
    assert {(r["product_id"], r["commune"]["code"]) for r in rows} == {
        (ids["K1"], "xa-dak-koi-2025")}
    with pytest.raises(PermissionDenied) as err:
        list_broadcasts(kho, dakkoi, commune_code="xa-dak-rve-2025")
    assert err.value.field == "commune"
    assert len(list_broadcasts(kho, dakkoi, product_id=ids["K1"])) == 2
    assert len(list_broadcasts(kho, accounts.actor_by_name(kho, "so.vhttdl"))) == 3
