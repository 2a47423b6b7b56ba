"""How good is the language hint? Accuracy per class on a labelled set:

    .venv/bin/python benchmarks/language_hint_bench.py            # tables (Markdown)
    .venv/bin/python benchmarks/language_hint_bench.py --misses   # and every wrong call
    .venv/bin/python benchmarks/language_hint_bench.py --rules other.toml

The set is ``tests/data/language_labelled.jsonl``: one product a line — ``title``,
``description``, ``text`` (as extracted from its files), the ``languages`` a person
would confirm (vocabulary codes; none for a language Kho has no rules for), a
``class`` (Vietnamese titles and paragraphs with and without marks, Bahnar, Sedang,
Jarai, English, French, bilingual, other) and a ``split``: ``held-out`` items were
written before the rules were tuned and never looked at while tuning them; ``dev``
items were written afterwards, the rules tuned on them. The held-out figures are the
honest ones. The ethnic-language items were written by the Kho team from the word
lists' sources (see ``ingest/rules/language_rules.toml``), not by native speakers.

Counting, per product: *exact* when the suggested set is the wanted set; *first* when
the first suggestion is the wanted language (for one-language products). The
baseline, in the same run: py3langid alone on the product's whole text (title,
description and text together, its 140 languages), its one answer mapped to a
vocabulary code as the rules map it. Then every Vietnamese sentence of the interface
(messages.po) goes through the hint: any ethnic-minority suggestion there is a false
alarm of the word lists.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import language_hint, language_id  # noqa: E402

DATA = ROOT / "tests" / "data" / "language_labelled.jsonl"
MESSAGES = ROOT / "app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
SEED = ROOT / "archive" / "seed" / "vocabularies.toml"
SPLITS = ("held-out", "dev")
CLASSES = ("vi-title", "vi-title-unmarked", "vi-text", "vi-text-unmarked", "bdq", "sed",
           "jra", "eng", "fra", "bilingual", "other")
CLASS_NAMES = {"vi-title": "Vietnamese titles", "vi-title-unmarked":
               "Vietnamese titles without marks", "vi-text": "Vietnamese paragraphs",
               "vi-text-unmarked": "Vietnamese paragraphs without marks",
               "bdq": "Bahnar (Ba Na)", "sed": "Sedang (Xơ Đăng)", "jra": "Jarai (Gia Rai)",
               "eng": "English", "fra": "French", "bilingual": "Bilingual (vi + ethnic/English)",
               "other": "Bunong (no rules: nothing ethnic wanted)"}
ETHNIC = ("bdq", "sed", "jra")


@dataclass(frozen=True)
class Item:
    """One labelled product."""

    id: str
    split: str
    cls: str
    title: str
    description: str
    text: str
    wanted: tuple[str, ...]


def load_labelled(path: Path = DATA) -> list[Item]:
    """The labelled set; ValueError naming the line for a malformed one."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(Item(row["id"], row["split"], row["class"], row["title"],
                              row.get("description", ""), row.get("text", ""),
                              tuple(row["languages"])))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
    return items


def seed_names(path: Path = SEED) -> dict[str, list[str]]:
    """The seeded languages' Vietnamese labels, as the catalogue hands them to the hint
    (a title saying "tiếng Việt" names Vietnamese)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {row["code"]: [row["label_vi"]] for row in data["languages"]}


def suggested(item: Item, rules: language_hint.Rules,
              names: dict[str, list[str]] | None = None) -> list[str]:
    """Codes the hint suggests for ``item``, in its order."""
    names = seed_names() if names is None else names
    return [h.code for h in language_hint.hint(item.title, item.description, [item.text],
                                               rules, names=names)]


def baseline(item: Item, rules: language_hint.Rules) -> list[str]:
    """py3langid alone: its first answer over all its languages, mapped to a code."""
    text = "\n".join(v for v in (item.title, item.description, item.text) if v)
    label = language_id.rank(text)[0][0]
    return [rules.codes[label]] if label in rules.codes else []


def correct(item: Item, got: list[str]) -> tuple[bool, bool]:
    """(exact set, first right) for one item."""
    exact = set(got) == set(item.wanted)
    first = bool(got) and bool(item.wanted) and got[0] == item.wanted[0] \
        if len(item.wanted) == 1 else exact
    return exact, first


def evaluate(items: list[Item], rules: language_hint.Rules) -> dict[str, dict[str, list]]:
    """class -> split -> list of (item, got, exact, first)."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    names = seed_names()
    for item in items:
        got = suggested(item, rules, names)
        exact, first = correct(item, got)
        out[item.cls][item.split].append((item, got, exact, first))
    return out


def evaluate_baseline(items: list[Item], rules: language_hint.Rules) -> dict[str, list]:
    """class -> list of (item, got, exact, first) for py3langid alone."""
    out: dict[str, list] = defaultdict(list)
    for item in items:
        got = baseline(item, rules)
        out[item.cls].append((item, got, *correct(item, got)))
    return out


def interface_sentences(path: Path = MESSAGES) -> list[str]:
    """The Vietnamese msgstrs of the interface with at least four words, placeholders
    and markup removed."""
    text = path.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r'^msgstr ((?:".*"\n?)+)', text, flags=re.M):
        value = "".join(re.findall(r'"(.*)"', block)).replace("\\n", " ").replace('\\"', '"')
        value = re.sub(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|<[^>]+>", " ", value)
        if len(value.split()) >= 4:
            found.append(value)
    return found


def _ratio(rows: list, index: int) -> str:
    if not rows:
        return "–"
    good = sum(1 for r in rows if r[index])
    return f"{good}/{len(rows)} = {good / len(rows):.2f}"


def table(results: dict[str, dict[str, list]], base: dict[str, list]) -> str:
    lines = ["| class | held-out exact | held-out first | dev exact | dev first | all exact "
             "| baseline: py3langid alone, all exact |",
             "|---|---|---|---|---|---|---|"]
    totals: dict[str, list] = defaultdict(list)
    for cls in CLASSES:
        by_split = results.get(cls, {})
        every = [r for s in SPLITS for r in by_split.get(s, [])]
        for s in SPLITS:
            totals[s] += by_split.get(s, [])
        lines.append(f"| {CLASS_NAMES[cls]} | {_ratio(by_split.get('held-out', []), 2)} | "
                     f"{_ratio(by_split.get('held-out', []), 3)} | "
                     f"{_ratio(by_split.get('dev', []), 2)} | "
                     f"{_ratio(by_split.get('dev', []), 3)} | {_ratio(every, 2)} | "
                     f"{_ratio(base.get(cls, []), 2)} |")
    every = totals["held-out"] + totals["dev"]
    lines.append(f"| **all** | {_ratio(totals['held-out'], 2)} | {_ratio(totals['held-out'], 3)} | "
                 f"{_ratio(totals['dev'], 2)} | {_ratio(totals['dev'], 3)} | {_ratio(every, 2)} | "
                 f"{_ratio([r for rows in base.values() for r in rows], 2)} |")
    return "\n".join(lines)


def false_alarms(rules: language_hint.Rules, sentences: list[str]) -> tuple[int, list[str]]:
    """(sentences judged, those given an ethnic-minority suggestion)."""
    wrong, names = [], seed_names()
    for sentence in sentences:
        codes = [h.code for h in language_hint.hint(sentence, "", [], rules, names=names)]
        if any(c in ETHNIC for c in codes):
            wrong.append(f"{codes} {sentence}")
    return len(sentences), wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong call")
    parser.add_argument("--rules", help="another rules file")
    args = parser.parse_args(argv)
    rules = language_hint.load_rules(args.rules)
    items = load_labelled()

    started = time.perf_counter()
    language_id.rank("khởi động", rules.candidates)           # loads the model
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    results = evaluate(items, rules)
    per_item_ms = (time.perf_counter() - started) / len(items) * 1000
    print(f"## Language hint — {len(items)} labelled products "
          f"(held-out {sum(i.split == 'held-out' for i in items)}, "
          f"dev {sum(i.split == 'dev' for i in items)}), py3langid {language_id.version()}\n")
    print(table(results, evaluate_baseline(items, rules)))
    judged, wrong = false_alarms(rules, interface_sentences())
    print(f"\nEthnic-minority false alarms on the interface's Vietnamese sentences "
          f"(messages.po): {len(wrong)} of {judged}.")
    print(f"\nModel load (once per process): {load_seconds:.2f} s; "
          f"hint per labelled product: {per_item_ms:.2f} ms.")
    if args.misses:
        print("\n### Misses\n")
        for cls in CLASSES:
            for split in SPLITS:
                for item, got, exact, _first in results.get(cls, {}).get(split, []):
                    if not exact:
                        print(f"- {item.id} ({split}) wanted {list(item.wanted)} got {got}: "
                              f"{(item.title + ' | ' + item.text)[:110]}")
        for line in wrong:
            print(f"- interface: {line[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
