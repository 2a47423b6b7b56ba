"""Suggested themes and conventions from Vietnamese keyword rules, and default kinds.

The rules are data (``ingest/rules/tagging_rules.toml``; see its header for the
format). Matching is diacritic-insensitive (:func:`archive.text.fold`: ``Quyền trẻ em``
-> ``quyen tre em``, ``đ`` -> ``d``) and on whole words/phrases; within one code the
longest phrase at a position wins, so ``quyền trẻ em`` is not counted again as
``trẻ em``. Every result is a *suggestion*: the catalogue marks it so until a person
confirms it.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from archive.errors import ValidationError
from archive.text import fold

RULES_PATH = Path(__file__).with_name("rules") / "tagging_rules.toml"
KINDS = ("theme", "convention")
TEXT_LIMIT = 200_000            # characters of extracted text scanned (topics show early)
FIELDS = ("title", "description", "text")
_NOT_WORD = re.compile(r"[\W_]+")
_DEFAULT_KINDS = {"audio": "radio-feature", "video": "video", "image": "photo",
                  "pdf": "publication", "text": "web-article"}


@dataclass(frozen=True)
class Suggestion:
    """A suggested theme or convention code with its score and the phrases that matched."""

    kind: str                  # theme | convention
    code: str
    score: float
    matched: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CodeRule:
    """The phrases of one code: folded phrase -> (phrase as written, weight)."""

    kind: str
    code: str
    phrases: dict[str, tuple[str, float]]
    pattern: re.Pattern


@dataclass(frozen=True)
class Rules:
    """Loaded tagging rules (see the TOML file's header)."""

    codes: list[CodeRule]
    field_weights: dict[str, float]
    min_score: float
    repeat_bonus: float
    max_repeats: int
    version: int = 1


def match_key(text: str) -> str:
    """``text`` folded, punctuation -> single spaces, padded: what phrases match against."""
    return " " + _NOT_WORD.sub(" ", fold(text)).strip() + " "


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and check the rules file (default: the packaged ``tagging_rules.toml``).

    Raises ValidationError naming the file and the offending entry.
    """
    source = Path(path) if path else RULES_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read tagging rules: {exc}", field=str(source)) from None
    weights = {name: _positive(data.get("field_weights", {}).get(name, 1.0), source,
                               f"field_weights.{name}") for name in FIELDS}
    codes = [_code_rule(kind, code, phrases, source)
             for kind in KINDS
             for code, phrases in (data.get(kind + "s") or {}).items()]
    return Rules(codes=codes, field_weights=weights,
                 min_score=float(data.get("min_score", 2.0)),
                 repeat_bonus=float(data.get("repeat_bonus", 0.25)),
                 max_repeats=int(data.get("max_repeats", 4)),
                 version=int(data.get("version", 1)))


def _positive(value: Any, source: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValidationError(f"{where} must be a positive number, got {value!r}",
                              field=str(source))
    return float(value)


def _code_rule(kind: str, code: str, phrases: Any, source: Path) -> CodeRule:
    if not isinstance(phrases, Mapping) or not phrases:
        raise ValidationError(f"{kind}s.{code} must be a table of \"phrase\" = weight",
                              field=str(source))
    folded: dict[str, tuple[str, float]] = {}
    for phrase, weight in phrases.items():
        key = match_key(phrase).strip()
        if not key:
            raise ValidationError(f"{kind}s.{code}: empty phrase {phrase!r}", field=str(source))
        weight = _positive(weight, source, f"{kind}s.{code}.{phrase}")
        if key not in folded or folded[key][1] < weight:
            folded[key] = (phrase, weight)
    ordered = sorted(folded, key=len, reverse=True)          # longest phrase wins
    pattern = re.compile("(?<= )(?:" + "|".join(map(re.escape, ordered)) + ")(?= )")
    return CodeRule(kind=kind, code=code, phrases=folded, pattern=pattern)


def suggest(title: str | None, description: str | None, text: str | None,
            rules: Rules) -> list[Suggestion]:
    """Themes and conventions suggested by the rules, best first.

    Each phrase counts ``weight × field weight`` in every field where it occurs, plus
    ``repeat_bonus × weight × field weight`` per further occurrence (up to
    ``max_repeats``). Codes scoring below ``min_score`` are not suggested.
    """
    fields = {"title": title or "", "description": description or "",
              "text": (text or "")[:TEXT_LIMIT]}
    keys = {name: match_key(value) for name, value in fields.items() if value.strip()}
    found = []
    for rule in rules.codes:
        score, matched = _score(rule, keys, rules)
        if score >= rules.min_score:
            found.append(Suggestion(rule.kind, rule.code, round(score, 2), matched))
    return sorted(found, key=lambda s: (-s.score, s.kind, s.code))


def _score(rule: CodeRule, keys: dict[str, str], rules: Rules) -> tuple[float, list[str]]:
    score, contributions = 0.0, {}
    for name, key in keys.items():
        counts: dict[str, int] = {}
        # matches never overlap: phrases are padded by the spaces they share
        for match in rule.pattern.finditer(key):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
        for folded, count in counts.items():
            phrase, weight = rule.phrases[folded]
            extra = min(count - 1, rules.max_repeats) * rules.repeat_bonus
            gain = weight * rules.field_weights[name] * (1 + extra)
            score += gain
            contributions[phrase] = contributions.get(phrase, 0.0) + gain
    matched = sorted(contributions, key=lambda p: -contributions[p])
    return score, matched


def kind_for(category: str) -> str | None:
    """Default product kind for a media category (the manifest or a person may change it).

    audio -> radio-feature, video -> video, image -> photo (most digitised pictures are
    documentary photos; posters are usually named in the manifest), pdf -> publication,
    text (a .docx/.odt/.txt: mostly news articles for the website) -> web-article;
    None for ``other`` content, where any guess would be a coin toss.
    """
    return _DEFAULT_KINDS.get(category)
