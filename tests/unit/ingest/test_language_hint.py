"""The language hint: ethnic-minority orthographies by their letters and common words,
Vietnamese and foreign languages by the identifier shipped in its package, the title
naming a language; NFC/NFD-safe; the model loaded lazily, once."""
from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from archive.errors import ValidationError
from ingest import language_hint, language_id
from ingest.language_hint import CLASSIFIER, NAMED, ORTHOGRAPHY

ROOT = Path(__file__).resolve().parents[3]
BAHNAR = ("Sơnăm âu, kon pơlei lơ̆m pơlei Đak Wơt đei pơm jang 'lơ̆ng. Bơngai Bahnar oei tơ̆ "
          "tơring teh âu athei tơbăt tơdrong vei lăng bri 'long. Ƀok A Nhơn tơroi: inh păng "
          "bơ̆n rim năr năm jang tơ̆ mir, ưh kơ chă koh 'long lơ̆m bri.")
VIETNAMESE = ("Thực hiện kế hoạch tuyên truyền năm 2024, Ủy ban nhân dân xã đã tổ chức 12 buổi "
              "tuyên truyền lưu động tại các thôn, làng về phòng, chống tảo hôn.")


@pytest.fixture(scope="module")
def rules():
    return language_hint.load_rules()


def codes(hints):
    return [h.code for h in hints]


def test_a_bahnar_text_gets_ba_na_with_its_letters_and_words(rules):
    [found] = language_hint.hint("Bản tin", "", [BAHNAR], rules)
    assert (found.code, found.by, found.share) == ("bdq", ORTHOGRAPHY, 1.0)
    assert set(found.letters) <= {"ƀ", "ơ̆", "ĭ", "ŏ", "ŭ", "ĕ"} and "ơ̆" in found.letters
    assert "bơngai" in found.words or "kơ" in found.words or "lơ̆m" in found.words


def test_a_bahnar_title_alone_is_enough(rules):
    assert codes(language_hint.hint("Tơdrong pơm hnam rông kơ bơngai Bahnar", "", [],
                                    rules)) == ["bdq"]


def test_sedang_and_jarai_are_told_from_bahnar(rules):
    sedang = ("Hơnăm kố, kuăn pơlê a cheăm Đăk Pxi hiăng cheăng ăm tơdroăng ki lĕm. Pôa A "
              "Tuyên tối ăm 'nâi: kuăn pơlê xuân ối cheăng rêm hâi vâ rêh ối lĕm.")
    jarai = ("Amăng thun anai, mơnuih ƀôn sang tơring glông Chư Păh hmâo lu tơlơi phrâo. "
             "Ƀing khua plơi brơi thâo: djop mơnuih kiăng ngă tui tơlơi phiăn.")
    assert codes(language_hint.hint("", "", [sedang], rules)) == ["sed"]
    assert codes(language_hint.hint("", "", [jarai], rules)) == ["jra"]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_nfc_and_nfd_text_give_the_same_answer(rules, form):
    text = unicodedata.normalize(form, BAHNAR)
    [found] = language_hint.hint("", "", [text], rules)
    assert found.code == "bdq" and "ơ̆" in found.letters


def test_a_breve_typed_after_the_tone_mark_or_left_out_is_the_same_word():
    assert language_hint.word_key("lơ̆m") == language_hint.word_key("lơm")
    assert language_hint.word_key("ji\u0306") == language_hint.word_key("jĭ") == "ji"
    assert language_hint.word_key("păng") == "păng"          # ă keeps it: Vietnamese has ă
    assert language_hint.word_key("lǒm") == language_hint.word_key("lŏm")   # a caron typed
    assert language_hint.word_key("ɓơngai") == "ƀơngai"                     # hooked b


def test_bahnar_typed_without_any_mark_is_still_bahnar(rules):
    text = ("Bongai Bahnar lom polei Kon Klor pom jang. Rim sonam kon polei poger et sonam "
            "nao. Inh pang bon athei tobat todrong.")
    assert codes(language_hint.hint("", "", [text], rules)) == ["bdq"]


def test_vietnamese_quoting_a_few_bahnar_words_stays_vietnamese(rules):
    text = ("Người Ba Na gọi ngôi nhà chung của làng là hnam rông, gọi già làng là kră pơlei. "
            "Mỗi năm, sau mùa thu hoạch, dân làng tổ chức lễ mừng lúa mới, người Ba Na gọi là "
            "et sơnăm 'nao, để tạ ơn thần lúa.")
    assert codes(language_hint.hint("", "", [text], rules)) == ["vie"]


def test_vietnamese_english_french_by_the_identifier(rules):
    assert [(h.code, h.by) for h in language_hint.hint(VIETNAMESE, "", [], rules)] == [
        ("vie", CLASSIFIER)]
    assert codes(language_hint.hint("Child protection campaign in Kon Tum", "", [],
                                    rules)) == ["eng"]
    assert codes(language_hint.hint("La protection des forêts au Vietnam", "", [],
                                    rules)) == ["fra"]


def test_vietnamese_without_marks_by_the_shape_of_its_syllables(rules):
    assert codes(language_hint.hint("", "", [
        "Luat Tre em quy dinh tre em co quyen duoc bao ve de khong bi xam hai, bao luc."],
        rules)) == ["vie"]


def test_another_highland_orthography_is_not_taken_for_bahnar_or_vietnamese(rules):
    bunong = ("Ăp nuĭh Bunong djăt nău mhe ta Radio, nău ntuh uĕh ngăn. Gâp way djăt nău mprơ "
              "Bunong, nău ngơi Bunong dŭt dơh djăt.")
    assert codes(language_hint.hint("", "", [bunong], rules)) == []


def test_a_bilingual_bulletin_gets_both_languages(rules):
    found = language_hint.hint("Bản tin song ngữ", "", [VIETNAMESE + "\n\n" + BAHNAR], rules)
    assert sorted(codes(found)) == ["bdq", "vie"]
    assert all(0.25 <= h.share <= 0.75 for h in found)


def test_the_title_naming_the_language_wins_over_its_own_vietnamese(rules):
    names = {"bdq": ["Tiếng Ba Na"], "vie": ["Tiếng Việt"]}
    [found] = language_hint.hint("Chương trình phát thanh tiếng Ba Na", "", [], rules,
                                 names=names)
    assert (found.code, found.by, found.named) == ("bdq", NAMED, "tiếng Ba Na")
    assert codes(language_hint.hint("Lớp học tiếng cô Lan", "", [], rules,
                                    names={"cua": ["Tiếng Co"]})) == ["vie"]


def test_metadata_does_not_count_once_the_files_hold_enough_text(rules):
    assert codes(language_hint.hint("Bài tuyên truyền về bảo vệ rừng", "Mô tả tiếng Việt",
                                    [BAHNAR], rules)) == ["bdq"]


def test_nothing_to_judge_gives_nothing(rules):
    assert language_hint.hint(None, None, [None, ""], rules) == []
    assert language_hint.hint("2024", "", ["12/06"], rules) == []


def test_a_bad_rules_file_is_refused_naming_it(tmp_path):
    broken = tmp_path / "rules.toml"
    broken.write_text("[chunks]\ncontent_enough = 1\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        language_hint.load_rules(broken)
    assert str(broken) in str(caught.value)
    source = (ROOT / "ingest/rules/language_rules.toml").read_text(encoding="utf-8")
    broken.write_text(source.replace('"bơngai" = 2.0', '"bơngai" = -1'), encoding="utf-8")
    with pytest.raises(ValidationError, match="positive"):
        language_hint.load_rules(broken)


def test_the_word_lists_leave_out_vietnamese_words(rules):
    """The frequent words that are also Vietnamese words (the rules' header names them)
    are not listed, and no word outweighs the two strongest (bơngai, tơdrong…)."""
    left_out = {"ăn", "hăm", "minh", "cho", "tung", "mê", "ai", "môi", "tối", "sang", "lu"}
    for lang in rules.orthographies:
        listed = {shown for shown, _w in lang.words.values()}
        assert not left_out & listed, lang.code
        assert not {language_hint.word_key(w) for w in left_out} & set(lang.words), lang.code
        assert max(w for _shown, w in lang.words.values()) <= 2.0, lang.code


def test_importing_builds_nothing_and_the_model_loads_once():
    probe = ("import sys; import ingest.language_hint, ingest.language_id; "
             "print('py3langid' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
    candidates = ("vi", "en")
    first = language_id._identifier(candidates)
    assert language_id._identifier(candidates) is first
    assert [label for label, _p in language_id.rank("Xin chào các bạn", candidates)][0] == "vi"
