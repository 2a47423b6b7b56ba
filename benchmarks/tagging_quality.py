"""How good are the tagging rules? Precision and recall of the suggested themes and
conventions against a labelled set written by a careful editor:

    .venv/bin/python benchmarks/tagging_quality.py            # tables (Markdown)
    .venv/bin/python benchmarks/tagging_quality.py --misses   # and every wrong call
    .venv/bin/python benchmarks/tagging_quality.py --rules other.toml

The set is ``tests/data/tagging_labelled.jsonl``: one product a line — ``title``,
``description``, the ``themes`` and ``conventions`` an editor would pick, and a ``split``:
``held-out`` items were written before the rules were tuned and never looked at while
tuning them; ``dev`` items were written afterwards, the rules tuned on them. Both are
reported, and the held-out figures are the honest ones.

Counting: each (product, code) pair is one decision. A suggested code the editor also
picked is a true positive, one they did not pick a false positive, one they picked
but the rules missed a false negative. Precision = TP / (TP + FP), recall =
TP / (TP + FN), summed over the products (micro average) for each rule set: all
themes, all conventions, each code, and everything together. A set with nothing
suggested has no precision ("–").
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import tagging  # noqa: E402

DATA = ROOT / "tests" / "data" / "tagging_labelled.jsonl"
SPLITS = ("held-out", "dev")


@dataclass(frozen=True)
class Item:
    """One labelled product."""

    id: str
    split: str
    title: str
    description: str
    wanted: frozenset[tuple[str, str]]          # (kind, code) the editor picked


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def load_labelled(path: Path = DATA) -> list[Item]:
    """The labelled set; ValueError naming the line for a malformed one."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            wanted = {("theme", c) for c in row["themes"]} | \
                {("convention", c) for c in row["conventions"]}
            items.append(Item(row["id"], row["split"], row["title"],
                              row.get("description", ""), frozenset(wanted)))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
    return items


def suggested(item: Item, rules: tagging.Rules) -> set[tuple[str, str]]:
    """What the rules suggest from the item's title and description."""
    return {(s.kind, s.code) for s in tagging.suggest(item.title, item.description, "",
                                                       rules)}


def evaluate(items: Iterable[Item], rules: tagging.Rules) -> dict[str, Counts]:
    """Counts per rule set: ``overall``, ``themes``, ``conventions`` and ``<code>``."""
    results: dict[str, Counts] = {}
    for item in items:
        got = suggested(item, rules)
        for pair in got | item.wanted:
            kind, code = pair
            outcome = "tp" if pair in got and pair in item.wanted else \
                "fp" if pair in got else "fn"
            for key in ("overall", kind + "s", code):
                counts = results.setdefault(key, Counts())
                setattr(counts, outcome, getattr(counts, outcome) + 1)
    return results


def misses(items: Iterable[Item], rules: tagging.Rules) -> list[str]:
    """One line per item the rules got wrong: extra (+) and missed (-) codes."""
    lines = []
    for item in items:
        got = suggested(item, rules)
        extra, missed = got - item.wanted, item.wanted - got
        if extra or missed:
            marks = [f"+{c}" for _k, c in sorted(extra)] + [f"-{c}" for _k, c in sorted(missed)]
            lines.append(f"{item.id} [{item.split}] {' '.join(marks)}: {item.title}")
    return lines


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(items: list[Item], rules: tagging.Rules) -> str:
    """The Markdown table: one row per rule set, precision / recall per split."""
    splits = [("all", items)] + [(s, [i for i in items if i.split == s]) for s in SPLITS]
    results = [(name, evaluate(chosen, rules), len(chosen)) for name, chosen in splits]
    head = "| rule set | " + " | ".join(f"{n} ({k} items): P / R (TP, FP, FN)"
                                         for n, _r, k in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    codes = sorted({key for _n, r, _k in results for key in r} -
                   {"overall", "themes", "conventions"})
    themes = [c for c in codes if c == c.lower()]
    conventions = [c for c in codes if c != c.lower()]
    for key in ["overall", "themes", *themes, "conventions", *conventions]:
        label = f"**{key}**" if key in ("overall", "themes", "conventions") else f"· {key}"
        cells = []
        for _n, result, _k in results:
            c = result.get(key, Counts())
            cells.append(f"{_figure(c.precision)} / {_figure(c.recall)} ({c.tp}, {c.fp}, {c.fn})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=Path, default=None, help="a rules TOML file")
    parser.add_argument("--data", type=Path, default=DATA, help="the labelled JSONL")
    parser.add_argument("--misses", action="store_true", help="list every wrong call")
    args = parser.parse_args(argv)
    rules = tagging.load_rules(args.rules)
    items = load_labelled(args.data)
    print(table(items, rules))
    if args.misses:
        print()
        print("\n".join(misses(items, rules)) or "no misses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
