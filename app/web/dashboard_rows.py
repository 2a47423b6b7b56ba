"""The dashboard's long tables, row by row, written in Python.

A province's dashboard lists some 1,000 table rows (its 96 communes and their 281
predecessors in the breakdowns and the use table, 500 lines of people trained, the
pickers' 400 units): rendered cell by cell through Jinja macros and filters they were
most of a served page (66 of 180 ms at 100,000 products). These functions write the same
markup — byte for byte, ``tests/unit/web/test_dashboard_rows.py`` holds them to the
template they replace — with one string join a row. Every text from the database is
escaped; numbers are formatted the page's way (``1.234`` / ``18,5 %`` in Vietnamese).

``words`` are the page's translated column names and badges (the template's ``L`` and
friends), said once a page.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from markupsafe import Markup, escape

from app.i18n import format_int, format_percent

# the breakdown's counts, in the order of their columns: (attribute, column name, percent)
_TALLY = (("total", "Products", False), ("digitised", "Digitised", False),
          ("digitisation_rate", "Digitisation rate", True),
          ("ethnic_language", "Ethnic", False), ("foreign_language", "Foreign", False),
          ("digital_platform", "Digital", False), ("combined_share", "Combined share", True))


def _count(value: Optional[int], loc: str) -> str:
    """The ``number`` filter for a count (None reads empty)."""
    return "" if value is None else format_int(value, loc)


class Rows:
    """The table bodies of one dashboard page: locale, column names and the units that
    no longer exist (code -> ``merged`` or ``ended``)."""

    def __init__(self, loc: str, words: Mapping[str, str], ended: Mapping[str, str],
                 merged_word: str, ended_word: str) -> None:
        self.loc = loc
        self.ended = ended
        self.label = {k: str(escape(v)) for k, v in words.items()}
        self.merged = f" ({escape(merged_word)})"
        self.gone = f" ({escape(ended_word)})"

    def unit_name(self, code: Optional[str], name: Any) -> Markup:
        """A unit's name, escaped, with "(merged)" or "(no longer exists)" when it is
        gone (the template says every unit's name this way too)."""
        flag = self.ended.get(code) if code is not None else None
        tail = self.merged if flag == "merged" else self.gone if flag else ""
        return Markup(f"{escape(name)}{tail}")

    def _tally_cells(self, r: Any) -> str:
        loc, label = self.loc, self.label
        return "".join(
            f'<td data-label="{label[column]}">'
            f'{format_percent(getattr(r, attr).value, loc) if pct else _count(getattr(r, attr), loc)}'
            "</td>" for attr, column, pct in _TALLY)

    def breakdown(self, name: str, rows: Iterable[Any]) -> Markup:
        """The rows of a breakdown table (``by_unit``, ``by_kind``, …): the name (a
        unit's marked when gone) and the seven counts."""
        out = []
        for r in rows:
            first = self.unit_name(r.code, r.label(self.loc)) if name == "by_unit" \
                else escape(r.label(self.loc))
            out.append(f"<tr><td>{first}</td>{self._tally_cells(r)}</tr>")
        return Markup("".join(out))

    def communes(self, rows: Iterable[Any], lagging_word: str,
                 why_words: Mapping[str, str]) -> Markup:
        """The rows of the per-commune breakdown (:class:`app.services.stats.lagging.
        CommuneProgress`): a lagging commune carries its badge and reasons."""
        badge = f' <strong class="lag-badge">{escape(lagging_word)}</strong> '
        fallback = why_words["digitisation_below_average"]
        out = []
        for c in rows:
            r = c.row
            name = self.unit_name(r.code, r.label(self.loc))
            if c.lagging:
                why = "; ".join(str(escape(why_words.get(w, fallback))) for w in c.lagging)
                out.append(f'<tr class="lagging"><td>{name}{badge}'
                           f'<small class="lag-why">{why}</small></td>'
                           f"{self._tally_cells(r)}</tr>")
            else:
                out.append(f"<tr><td>{name}</td>{self._tally_cells(r)}</tr>")
        return Markup("".join(out))

    def usage(self, rows: Iterable[Any]) -> Markup:
        """Airings and downloads per commune."""
        loc, label = self.loc, self.label
        return Markup("".join(
            f"<tr><td>{self.unit_name(r.code, r.label(loc))}</td>"
            f'<td data-label="{label["Airings"]}">{_count(r.broadcasts, loc)}</td>'
            f'<td data-label="{label["Downloads"]}">{_count(r.downloads, loc)}</td></tr>'
            for r in rows))

    def people(self, lines: Iterable[Any]) -> Markup:
        """People trained per unit and target group
        (:class:`app.services.activities.figures.GroupLine`)."""
        loc, label = self.loc, self.label
        escaped: dict[str, str] = {}      # a unit's name and a group's label recur

        def esc(text: str) -> str:
            found = escaped.get(text)
            if found is None:
                found = escaped[text] = str(escape(text))
            return found
        out = []
        for g in lines:
            share = format_percent(g.share.value, loc) if g.staff else "–"
            target = f"{g.target_percent} %" if g.target_percent else "–"
            left = _count(g.to_train, loc) if g.to_train is not None else "–"
            out.append(
                f"<tr><td>{esc(g.unit_vi)}</td>"
                f'<td data-label="{label["Target group"]}">{esc(g.label(loc))}</td>'
                f'<td data-label="{label["Trained"]}">{_count(g.trained, loc)}</td>'
                f'<td data-label="{label["Staff"]}">{_count(g.staff, loc)}</td>'
                f'<td data-label="{label["Share"]}">{share}</td>'
                f'<td data-label="{label["Target"]}">{escape(target)}</td>'
                f'<td data-label="{label["Still to train"]}">{left}</td></tr>')
        return Markup("".join(out))

    def options(self, units: Iterable[tuple], chosen: Optional[str]) -> Markup:
        """A picker's ``<option>`` of each (code, name, current) unit, ``chosen``
        selected."""
        return Markup("".join(
            f'<option value="{escape(code)}"{" selected" if chosen and code == chosen else ""}>'
            f"{self.unit_name(code, name)}</option>" for code, name, _current in units))
