"""Folding long text at once gives what folding it character by character gives."""
from __future__ import annotations

import random

from archive.text import _fold_chars, fold, fold_with_places

ALPHABET = ("abcdđĐeêếềểễệoôơờởỡợuưứăắằẳẵặ ÀÁÂÃÈÉÌÍÒÓÙÚÝ ƀĕĭŏŭ\u0306\u0300\u0301 ’‘ʼ`´′'"
            " \n\t.,;:-–—…“”«»()[]/0123456789 ΑαΒβΩωάЖжЯя ßİĳ ﬁ 한국어 ㄱㅏ 中文 ব া ে")


def test_long_text_folds_exactly_as_character_by_character():
    rng = random.Random(11)
    for _ in range(2000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(60, 400)))
        assert fold(text) == _fold_chars(text), text


def test_vietnamese_and_bahnar_text_fold_with_every_place_kept():
    text = "Quyền trẻ em ở xã Đăk Pxi — 'lơ̆ng K’Bang, ƀôn nơ̆r. " * 3
    folded, places = fold_with_places(text, drop="'")
    assert folded == _fold_chars(text).replace("'", "")
    assert "".join(_fold_chars(text[i]) for i in places.tolist()) == folded
    assert folded.startswith("quyen tre em o xa dak pxi — long kbang, bon nor.")
    assert fold_with_places("Straße", drop="") is None       # ß folds to two letters
