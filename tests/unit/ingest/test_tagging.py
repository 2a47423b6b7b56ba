"""Suggested themes and conventions from the Vietnamese keyword rules."""
from __future__ import annotations

import pytest

from archive.errors import ValidationError
from ingest.tagging import kind_for, load_rules, suggest

THEMES = {"intl-law", "policy-law", "achievements", "abuse-cases", "foreign-affairs"}
CONVENTIONS = {"ICCPR", "ICESCR", "CEDAW", "ICERD", "CRC", "CRPD", "CAT"}


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def codes(found, kind=None):
    return [s.code for s in found if kind is None or s.kind == kind]


def test_packaged_rules_cover_every_theme_and_convention(rules):
    assert {(c.kind, c.code) for c in rules.codes} == (
        {("theme", t) for t in THEMES} | {("convention", c) for c in CONVENTIONS})


@pytest.mark.parametrize("title, expected", [
    ("Tuyên truyền về quyền trẻ em", "CRC"),
    ("Bình đẳng giới trong gia đình", "CEDAW"),
    ("Hỗ trợ người khuyết tật tìm việc làm", "CRPD"),
    ("Công ước chống tra tấn", "CAT"),
    ("Phân biệt chủng tộc là vi phạm nhân quyền", "ICERD"),
    ("Quyền tự do ngôn luận và tự do báo chí", "ICCPR"),
    ("Quyền được học tập và quyền có việc làm", "ICESCR"),
])
def test_each_convention_is_suggested_from_its_vocabulary(rules, title, expected):
    assert codes(suggest(title, None, None, rules), "convention")[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("Kết quả giảm nghèo bền vững, không để ai bị bỏ lại phía sau", "achievements"),
    ("Cảnh giác với luận điệu xuyên tạc của các thế lực thù địch", "abuse-cases"),
    ("Việt Nam tại Hội đồng Nhân quyền Liên hợp quốc", "foreign-affairs"),
    ("Phổ biến giáo dục pháp luật về Hiến pháp năm 2013", "policy-law"),
    ("Tuyên ngôn thế giới về nhân quyền và luật pháp quốc tế", "intl-law"),
])
def test_each_theme_is_suggested(rules, text, expected):
    assert codes(suggest(None, None, text, rules), "theme")[0] == expected


def test_matching_ignores_diacritics_case_and_d_stroke(rules):
    typed_plain = suggest("BINH DANG GIOI", "", "", rules)
    assert codes(typed_plain) == ["CEDAW"]
    assert typed_plain[0].matched == ["bình đẳng giới"]          # reported as written
    assert codes(suggest("Đối ngoại nhân dân", None, None, rules)) == ["foreign-affairs"]
    assert codes(suggest("Doi ngoai nhan dan", None, None, rules)) == ["foreign-affairs"]


def test_whole_words_only(rules):
    assert suggest("tratấn", None, None, rules) == []
    assert suggest("Hội thi cải lương", None, "phụ nữ", rules) != []
    assert suggest("phụ nữhóa", None, None, rules) == []


def test_title_counts_more_than_body_and_longest_phrase_counts_once(rules):
    in_title = suggest("Quyền trẻ em", None, None, rules)[0]
    in_text = suggest(None, None, "Quyền trẻ em", rules)[0]
    assert in_title.score == 2 * in_text.score
    assert in_text.matched == ["quyền trẻ em"]                   # not also "trẻ em"


def test_weak_single_mentions_are_not_suggested(rules):
    assert suggest(None, "Học sinh trường huyện", "Nghị quyết của xã", rules) == []


def test_results_are_ranked_and_scored(rules):
    found = suggest("Phụ nữ và trẻ em vùng đồng bào dân tộc thiểu số",
                    "Chăm lo đời sống, giảm nghèo", "Công ước về quyền trẻ em", rules)
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert {"CRC", "CEDAW", "achievements"} <= set(codes(found))


def test_rules_are_data_and_bad_rules_are_named(tmp_path):
    custom = tmp_path / "rules.toml"
    custom.write_text('min_score = 1.0\n[themes.achievements]\n"nông thôn mới" = 1.0\n',
                      encoding="utf-8")
    assert codes(suggest("Xây dựng nông thôn mới", None, None, load_rules(custom))) == [
        "achievements"]
    custom.write_text('[themes.achievements]\n"giảm nghèo" = -1\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="positive"):
        load_rules(custom)
    custom.write_text("[themes.achievements\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="cannot read"):
        load_rules(custom)


def test_default_kind_by_media_category():
    assert [kind_for(c) for c in ("audio", "video", "image", "pdf", "other")] == [
        "radio-feature", "video", "photo", "publication", None]
