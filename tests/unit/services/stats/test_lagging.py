"""Which communes lag: no product in view, a combined share below the band's lower end,
or a digitisation rate below the whole scope's; compared exactly; communes that no
longer exist and the "not set" row are never marked."""
from __future__ import annotations

from app.services.stats.figures import CountRow
from app.services.stats.lagging import (COMBINED_BELOW_TARGET, DIGITISATION_BELOW_AVERAGE,
                                        NO_PRODUCTS, commune_progress, lag_reasons)
from tests.unit.services.stats.stats_rows import group, stats_of

CURRENT = {"xa-a", "xa-b", "xa-c", "xa-d"}


def _stats(by_commune, total=20, digitised=10, **more):
    return stats_of(total=total, digitised=digitised, ethnic_language=0, foreign_language=0,
                    digital_platform=0, combined=4, online=0, by_commune=by_commune, **more)


def test_the_rule_and_its_reasons():
    st = _stats([])                               # the scope digitises 10 of 20: 50 %
    assert lag_reasons(group("xa-a", "Xã A", 10, digitised=5, combined=2), st) == ()
    assert lag_reasons(group("xa-a", "Xã A", 10, digitised=4, combined=2), st) == (
        DIGITISATION_BELOW_AVERAGE,)
    assert lag_reasons(group("xa-a", "Xã A", 10, digitised=9, combined=1), st) == (
        COMBINED_BELOW_TARGET,)
    assert lag_reasons(group("xa-a", "Xã A", 10, digitised=0, combined=0), st) == (
        COMBINED_BELOW_TARGET, DIGITISATION_BELOW_AVERAGE)
    assert lag_reasons(group("xa-a", "Xã A", 0), st) == (NO_PRODUCTS,)


def test_exactly_at_the_band_or_the_average_is_on_track():
    st = _stats([], total=3, digitised=1)         # the average is 1/3, not 0.333…
    assert lag_reasons(group("xa-a", "Xã A", 20, digitised=7, combined=3), st) == ()   # 15 %
    assert lag_reasons(group("xa-a", "Xã A", 3, digitised=1, combined=3), st) == ()    # 1/3
    assert lag_reasons(group("xa-a", "Xã A", 2000, digitised=667, combined=299), st) == (
        COMBINED_BELOW_TARGET,)                   # 14,95 % reads 15,0 % but is below


def test_the_table_with_communes_without_products_and_old_ones_left_alone():
    rows = [group("xa-b", "Xã B", 4, digitised=1, combined=4),
            group("xa-cu", "Xã Cũ", 2, digitised=0, combined=0),        # merged in 2025
            group(None, "(chưa ghi)", 3, digitised=0, combined=0)]
    today = [CountRow("xa-a", "Xã A", "Xã A", 0), CountRow("xa-b", "Xã B", "Xã B", 2),
             CountRow("xa-cu", "Xã Cũ", "Xã Cũ", 1)]
    st = _stats(rows, total=9, digitised=5, broadcasts_by_commune=today,
                downloads_by_commune=[CountRow("xa-d", "Xã Đ", "Xã Đ", 1),
                                      CountRow(None, "(chưa ghi)", "(not set)", 4)])
    table = commune_progress(st, CURRENT)
    assert [(c.row.code, c.lagging) for c in table] == [
        ("xa-a", (NO_PRODUCTS,)),                     # listed today, nothing made
        ("xa-b", (DIGITISATION_BELOW_AVERAGE,)),      # 1/4 < 5/9
        ("xa-cu", ()),                                # no longer exists: not judged
        ("xa-d", (NO_PRODUCTS,)),                     # "Xã Đ": Đ sorts after C
        (None, ())]                                   # "not set" last, never judged
    assert table[0].row.total == 0 and table[0].row.label_vi == "Xã A"


def test_no_commune_is_invented_when_the_scope_names_none():
    st = _stats([group("xa-b", "Xã B", 2, digitised=1, combined=1)], total=2, digitised=1)
    assert [(c.row.code, c.lagging) for c in commune_progress(st, CURRENT)] == [
        ("xa-b", ())]
