"""Checks on the seed vocabularies (archive/seed/vocabularies.toml).

The file is data that editors change by hand: these tests catch a dangling slug, a
duplicate code, text that is not NFC, or a commune history that no longer matches the
2025 reorganisation (Nghị quyết 1677/NQ-UBTVQH15) before the seed reaches a database.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import pytest

SEED_PATH = Path(__file__).parents[3] / "archive/seed/vocabularies.toml"

TABLES = ("kinds", "themes", "conventions", "languages", "channels", "units", "plan_tasks",
          "activity_kinds", "target_groups", "access_levels", "consent_uses")
UNIT_LEVELS = {"commune", "district-office", "district-organisation", "province",
               "national", "district"}
MEDIA = {"audio", "video", "image", "pdf", "text"}
DISTRICT_ABOLISHED = dt.date(2025, 7, 1)

# Every task code of the plan's appendix (Phụ lục).
PLAN_TASK_CODES = [
    "1.1", "1.2",
    "2.1", "2.2", "2.3",
    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7",
    "4.1", "4.2",
    "5.1", "5.2", "5.3", "5.4",
    "6.1", "6.2",
]

# DOMAIN.md commune table: (name before, GSO before) -> (name after, GSO after).
COMMUNE_MERGERS = [
    ("Thị trấn Đăk Rve", "23479", "Xã Đăk Rve", "23479"),
    ("Xã Đăk Pne", "23491", "Xã Đăk Rve", "23479"),
    ("Xã Đăk Kôi", "23482", "Xã Đăk Kôi", "23485"),
    ("Xã Đăk Tơ Lung", "23485", "Xã Đăk Kôi", "23485"),
    ("Xã Đăk Ruồng", "23488", "Xã Kon Braih", "23497"),
    ("Xã Đăk Tờ Re", "23494", "Xã Kon Braih", "23497"),
    ("Xã Tân Lập", "23497", "Xã Kon Braih", "23497"),
]


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    with SEED_PATH.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def units(seed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["code"]: unit for unit in seed["units"]}


def _strings(value: Any, where: str):
    """Yield (location, text) for every string nested in a TOML value."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _task_unit_refs(task: dict[str, Any]) -> list[tuple[str, str]]:
    refs = [("lead", task["lead"])] if "lead" in task else []
    refs += [("co_leads", slug) for slug in task.get("co_leads", [])]
    refs += [("cooperating", slug) for slug in task.get("cooperating", [])]
    return refs


def _unit_named(units: dict[str, dict[str, Any]], name: str, *, before: bool) -> dict:
    """The commune called `name` that ended (before=True) or began on 1/7/2025."""
    key = "valid_to" if before else "valid_from"
    found = [u for u in units.values()
             if u["level"] == "commune" and u["name"] == name and key in u]
    assert len(found) == 1, f"expected one commune {name!r} with {key}, found {found}"
    return found[0]


def test_file_has_exactly_the_tables_the_loader_reads(seed):
    assert set(seed) == set(TABLES), f"top-level keys differ: {sorted(seed)}"
    for table in TABLES:
        assert seed[table], f"table [[{table}]] is empty"


def test_access_levels_and_consent_uses_are_exactly_the_rules_codes(seed):
    """The rule reads fixed codes (archive/access.py); the seed gives them their labels."""
    from archive.access import LEVELS, USES

    assert tuple(row["code"] for row in seed["access_levels"]) == LEVELS
    assert tuple(row["code"] for row in seed["consent_uses"]) == USES
    assert seed["access_levels"][1]["label_vi"] == "Nội bộ (tài khoản đã đăng nhập)"


@pytest.mark.parametrize("table", TABLES)
def test_codes_are_unique_per_table(seed, table):
    codes = [row["code"] for row in seed[table]]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    assert not duplicates, f"duplicate codes in [[{table}]]: {duplicates}"


def test_all_text_is_nfc(seed):
    not_nfc = [where for where, text in _strings(seed, "seed")
               if not unicodedata.is_normalized("NFC", text)]
    assert not not_nfc, f"text not in Unicode NFC at: {not_nfc}"


def test_raw_file_is_nfc_utf8():
    text = SEED_PATH.read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFC", text), "the seed file (comments too) must be NFC"


def test_every_unit_slug_reference_exists(units):
    dangling = [f"{code}.{field} -> {unit[field]}"
                for code, unit in units.items()
                for field in ("successor", "parent", "reports_to")
                if field in unit and unit[field] not in units]
    assert not dangling, f"unit references to unknown slugs: {dangling}"


def test_every_plan_task_unit_exists(seed, units):
    dangling = [f"{task['code']}.{role} -> {slug}"
                for task in seed["plan_tasks"]
                for role, slug in _task_unit_refs(task) if slug not in units]
    assert not dangling, f"plan tasks name unknown unit slugs: {dangling}"


def test_plan_task_roles_do_not_repeat_a_unit(seed):
    for task in seed["plan_tasks"]:
        slugs = [slug for _, slug in _task_unit_refs(task)]
        assert len(slugs) == len(set(slugs)), f"task {task['code']} lists a unit twice"


def test_all_appendix_task_codes_are_present_in_order(seed):
    codes = [task["code"] for task in seed["plan_tasks"]]
    assert codes == PLAN_TASK_CODES, f"plan task codes differ from the appendix: {codes}"


def test_plan_task_leads_match_the_appendix(seed):
    leads = {task["code"]: task.get("lead") for task in seed["plan_tasks"]}
    assert leads["3.3"] == "trung-tam-vhttdltt-kon-ray"
    assert leads["3.5"] == "phong-gddt-kon-ray"
    assert leads["4.1"] == "vp-hdnd-ubnd-kon-ray"
    assert leads["5.1"] == "phong-vhtt-kon-ray"
    assert leads["5.3"] == "cong-an-kon-ray"
    assert leads["4.2"] is None, "the plan leaves task 4.2's lead cell empty"


def test_the_seven_conventions_and_five_themes(seed):
    conventions = [row["code"] for row in seed["conventions"]]
    assert sorted(conventions) == sorted(
        ["ICCPR", "ICESCR", "CEDAW", "ICERD", "CRC", "CRPD", "CAT"]), conventions
    themes = {row["code"]: row["number"] for row in seed["themes"]}
    assert themes == {"intl-law": 1, "policy-law": 2, "achievements": 3,
                      "abuse-cases": 4, "foreign-affairs": 5}, themes


def test_kinds_have_the_agreed_codes_and_known_media(seed):
    kinds = {row["code"]: row["media"] for row in seed["kinds"]}
    assert set(kinds) == {
        "radio-feature", "video", "poster", "photo", "publication",
        "multimedia-publication", "web-article", "social-post", "contest-entry",
        "training-material"}, sorted(kinds)
    unknown = {code: media for code, media in kinds.items() if not set(media) <= MEDIA}
    assert not unknown, f"unknown media categories: {unknown}"
    assert kinds["radio-feature"] == ["audio", "text"]     # the recording and its script


def test_languages_are_iso_639_3_and_flagged(seed):
    languages = {row["code"]: row for row in seed["languages"]}
    malformed = [c for c in languages if len(c) != 3 or not c.isascii() or not c.islower()]
    assert not malformed, f"not ISO 639-3 shaped: {malformed}"
    for code in ("sed", "bdq", "jra"):
        assert languages[code]["ethnic_minority"] is True, f"{code} must be ethnic_minority"
        assert languages[code]["foreign"] is False
    assert languages["vie"]["ethnic_minority"] is False and languages["vie"]["foreign"] is False
    assert languages["eng"]["foreign"] is True
    both = [c for c, row in languages.items() if row["ethnic_minority"] and row["foreign"]]
    assert not both, f"a language cannot be both ethnic-minority and foreign: {both}"


def test_websites_and_social_media_are_digital_platforms(seed):
    digital = {row["code"]: row["digital_platform"] for row in seed["channels"]}
    for code in ("district-website", "commune-website", "social-media"):
        assert digital[code] is True, f"channel {code} must count as a digital platform"
    for code in ("district-radio", "commune-radio", "mobile-propaganda", "exhibition"):
        assert digital[code] is False, f"channel {code} is not a digital platform"


def test_unit_levels_dates_and_gso_codes_are_well_formed(units):
    for code, unit in units.items():
        assert unit["level"] in UNIT_LEVELS, f"{code}: unknown level {unit['level']!r}"
        for field in ("valid_from", "valid_to"):
            if field in unit:
                assert type(unit[field]) is dt.date, f"{code}.{field} must be a TOML date"
        if "valid_from" in unit and "valid_to" in unit:
            assert unit["valid_from"] <= unit["valid_to"], f"{code}: validity reversed"
        if unit["level"] == "commune":
            gso = unit.get("gso_code", "")
            assert isinstance(gso, str) and len(gso) == 5 and gso.isdigit(), \
                f"{code}: commune GSO code must be a 5-digit string, got {gso!r}"
        else:
            assert "gso_code" not in unit, f"{code}: gso_code is only for communes"


def test_successors_start_after_their_predecessors_end(units):
    for code, unit in units.items():
        if "successor" not in unit:
            continue
        successor = units[unit["successor"]]
        assert "valid_to" in unit, f"{code} has a successor but no valid_to"
        assert successor.get("valid_from", dt.date.max) > unit["valid_to"], \
            f"{code} overlaps its successor {unit['successor']}"


def test_units_sharing_a_gso_code_never_overlap_in_time(units):
    by_gso: dict[str, list[dict]] = {}
    for unit in units.values():
        if "gso_code" in unit:
            by_gso.setdefault(unit["gso_code"], []).append(unit)
    for gso, same in by_gso.items():
        spans = sorted((u.get("valid_from", dt.date.min), u.get("valid_to", dt.date.max),
                        u["code"]) for u in same)
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            assert end < start, f"GSO {gso}: {first} and {second} are valid at once"


@pytest.mark.parametrize("before, gso_before, after, gso_after", COMMUNE_MERGERS,
                         ids=[f"{row[1]}-to-{row[3]}" for row in COMMUNE_MERGERS])
def test_commune_table_of_2025(units, before, gso_before, after, gso_after):
    old = _unit_named(units, before, before=True)
    new = _unit_named(units, after, before=False)
    assert old["gso_code"] == gso_before, f"{before}: GSO {old['gso_code']}"
    assert old["valid_to"] == DISTRICT_ABOLISHED - dt.timedelta(days=1)
    assert "valid_from" not in old, f"{before}: its start is unknown, leave it open"
    assert old["successor"] == new["code"], f"{before} should be succeeded by {after}"
    assert old["parent"] == "huyen-kon-ray"
    assert new["gso_code"] == gso_after, f"{after}: GSO {new['gso_code']}"
    assert new["valid_from"] == DISTRICT_ABOLISHED
    assert "valid_to" not in new and "successor" not in new
    assert units[new["parent"]]["level"] == "province"


def test_gso_23485_is_two_distinct_units(units):
    holders = {u["code"]: u["name"] for u in units.values() if u.get("gso_code") == "23485"}
    assert sorted(holders.values()) == ["Xã Đăk Kôi", "Xã Đăk Tơ Lung"], holders
    assert len(holders) == 2


def test_exactly_ten_communes_seven_before_three_after(units):
    communes = [u for u in units.values() if u["level"] == "commune"]
    assert sum("valid_to" in u for u in communes) == 7
    assert sum("valid_from" in u for u in communes) == 3


def test_report_recipient_changes_in_2025(units):
    old = units["so-tttt-kon-tum"]
    assert old["name"] == "Sở Thông tin và Truyền thông tỉnh Kon Tum"
    assert old["valid_to"] == dt.date(2025, 6, 30)
    new = units[old["successor"]]
    assert new["name"] == "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"
    assert new["valid_from"] == DISTRICT_ABOLISHED
    assert units["tinh-kon-tum"]["successor"] == "tinh-quang-ngai-2025"


def test_no_district_unit_outlives_the_district_level(units):
    district_levels = {"district", "district-office", "district-organisation"}
    late = [code for code, u in units.items()
            if u["level"] in district_levels
            and u.get("valid_to", dt.date.max) >= DISTRICT_ABOLISHED]
    assert not late, f"district-level units still valid after 30/6/2025: {late}"
