"""Legacy Vietnamese encodings (TCVN3, VNI, VISCII): how often does the repair convert
what it should, and does it ever spoil text that is already Unicode?

    .venv/bin/python benchmarks/legacy_text_bench.py              # Kho's repair
    /path/to/venv-with-viparse/bin/python benchmarks/legacy_text_bench.py
                                  # the same, plus viparse.fix for comparison
    .venv/bin/python benchmarks/legacy_text_bench.py --wordlists  # plus random sentences
                                  # of the French/German/Spanish/Portuguese/Italian
                                  # word lists in /usr/share/dict (Debian w* packages)

The labelled set is ``tests/unit/ingest/legacy_samples.py`` (legacy texts with the
Unicode they must become; Unicode texts in NFC and NFD, Bahnar, Xơ Đăng, English,
French, German, Spanish, Portuguese, Vietnamese whose letters are all Latin-1). Samples
labelled ``held-`` were written after the rules were tuned and run once.

Counting, per sample: a legacy sample converted to exactly its Unicode is a true
positive; one left as it was a false negative; one converted to something else both a
false positive and a false negative. A Unicode sample whose output differs from it (after
NFC: Kho stores NFC anyway) is *corrupted* and a false positive. Precision = TP / (TP +
FP), recall = TP / (TP + FN). "Warned": a Unicode sample the repair kept but called
suspect (Kho: ``Repair.suspected``; a false alarm, not a corruption).

Needs nothing but the Python standard library and the repository (run it with any
Python ≥ 3.11; viparse is measured when it can be imported).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.legacy_text import repair_legacy_text  # noqa: E402
from tests.unit.ingest.legacy_samples import Sample, encode, samples  # noqa: E402

WORDLISTS = ("french", "ngerman", "spanish", "portuguese", "italian")


@dataclass
class Score:
    unicode: int = 0
    corrupted: int = 0
    warned: int = 0
    legacy: int = 0
    right: int = 0
    wrong: int = 0
    left: int = 0

    @property
    def precision(self) -> Optional[float]:
        fp = self.corrupted + self.wrong
        return self.right / (self.right + fp) if self.right + fp else None

    @property
    def recall(self) -> Optional[float]:
        return self.right / self.legacy if self.legacy else None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def kho(text: str) -> tuple[str, bool]:
    repair = repair_legacy_text(text)
    return repair.text, repair.suspected is not None


def converters() -> dict[str, Callable[[str], tuple[str, bool]]]:
    found = {"Kho (ingest/legacy_text.py)": kho}
    try:
        import viparse
    except ImportError:
        return found
    found[f"viparse {viparse.__version__} (fix)"] = lambda text: (viparse.fix(text), False)
    return found


def score(convert: Callable[[str], tuple[str, bool]], items: list[Sample]) -> Score:
    out = Score()
    for sample in items:
        text, warned = convert(sample.text)
        if sample.legacy:
            out.legacy += 1
            if _nfc(text) == _nfc(sample.expected):
                out.right += 1
            elif _nfc(text) == _nfc(sample.text):
                out.left += 1
            else:
                out.wrong += 1
        else:
            out.unicode += 1
            out.corrupted += _nfc(text) != _nfc(sample.text)
            out.warned += warned
    return out


def _figure(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_table(items: list[Sample]) -> int:
    """The Markdown table; returns Kho's corrupted Unicode samples."""
    splits = {"dev": [s for s in items if not s.label.startswith("held")],
              "held-out": [s for s in items if s.label.startswith("held")],
              "all": items}
    print("| converter | samples | Unicode | corrupted | warned | legacy | converted right "
          "| wrong | left as is | precision | recall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    kho_corrupted = 0
    for name, convert in converters().items():
        for split, chosen in splits.items():
            s = score(convert, chosen)
            if convert is kho and split == "all":
                kho_corrupted = s.corrupted
            print(f"| {name} | {split} | {s.unicode} | {s.corrupted} | {s.warned} | "
                  f"{s.legacy} | {s.right} | {s.wrong} | {s.left} | {_figure(s.precision)} | "
                  f"{_figure(s.recall)} |")
    return kho_corrupted


def short_texts(items: list[Sample]) -> None:
    """By length: every run of 1 to 6 words of the Vietnamese texts (a name, a cell), in
    each encoding (converted right, converted to something else, left as it was), and
    as Unicode (changed: a corruption)."""
    from tests.unit.ingest.legacy_samples import HELD_OUT, VIETNAMESE
    texts = [line for text in {**VIETNAMESE, **HELD_OUT}.values() for line in text.split("\n")]
    print("\n| words | legacy texts | Kho: converted right | wrong | left as is "
          "| Unicode texts | Kho: changed |")
    print("|---|---|---|---|---|---|---|")
    for length in range(1, 7):
        right = wrong = total = changed = unicode_total = 0
        for line in texts:
            words = line.split()
            for start in range(0, max(1, len(words) - length + 1)):
                piece = " ".join(words[start:start + length])
                unicode_total += 1
                changed += repair_legacy_text(piece).text != piece
                for encoding in ("tcvn3", "vni", "viscii"):
                    legacy, back = encode(piece, encoding)
                    if legacy == back:
                        continue
                    total += 1
                    out = repair_legacy_text(legacy).text
                    right += out == back
                    wrong += out not in (back, legacy)
        print(f"| {length} | {total} | {right} ({right / total:.2f}) | {wrong} | "
              f"{total - right - wrong} | {unicode_total} | {changed} |")


def wordlists(sentences: int = 3000) -> None:
    """Random sentences of foreign words (half with a letter outside ASCII)."""
    rng = random.Random(7)
    print("\n| word list | sentences | converted | warned |")
    print("|---|---|---|---|")
    for name in WORDLISTS:
        path = Path("/usr/share/dict") / name
        if not path.exists():
            print(f"| {name} | not installed | | |")
            continue
        words = [w.strip() for w in path.read_text(encoding="utf-8", errors="replace").split()
                 if w.strip()]
        accented = [w for w in words if not w.isascii()]
        converted = warned = 0
        for _ in range(sentences):
            text = " ".join(rng.choice(accented if rng.random() < 0.5 else words)
                            for _ in range(rng.randint(3, 15)))
            repair = repair_legacy_text(text)
            converted += repair.converted
            warned += repair.suspected is not None
        print(f"| {name} | {sentences} | {converted} | {warned} |")


def speed(items: list[Sample]) -> None:
    """Seconds for about 1 MB of legacy text, and of Unicode text."""
    legacy = "\n".join(s.text for s in items if s.encoding == "tcvn3")
    unicode = "\n".join(s.text for s in items if not s.legacy)
    for label, text in (("TCVN3", legacy), ("Unicode", unicode)):
        big = (text + "\n") * (1_000_000 // (len(text) + 1) + 1)
        start = time.perf_counter()
        repair_legacy_text(big)
        took = time.perf_counter() - start
        print(f"- {label}, {len(big) / 1e6:.1f} M characters: {took:.2f} s")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordlists", action="store_true",
                        help="also random sentences of the /usr/share/dict word lists")
    args = parser.parse_args(argv)
    items = samples()
    corrupted = print_table(items)
    short_texts(items)
    if args.wordlists:
        wordlists()
    print()
    speed(items)
    print(f"\ncorrupted Unicode samples: {corrupted}")
    return 1 if corrupted else 0


if __name__ == "__main__":
    sys.exit(main())
