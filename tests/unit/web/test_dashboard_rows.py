"""The dashboard's long tables written in Python (app/web/dashboard_rows.py) are the
markup the template's Jinja wrote, byte for byte — in both languages, with names that
need escaping, units merged or ended, lagging communes and people lines without staff
or target. The reference below is the template's own text from before the change."""
from __future__ import annotations

import pytest

from app.services.activities.figures import GroupLine
from app.services.stats.lagging import CommuneProgress
from app.services.stats.figures import CommuneUse, GroupRow
from app.web.dashboard_rows import Rows

REFERENCE = """\
{% macro unit_name(code, name) %}{{ name }}{% if ended.get(code) == 'merged' %} ({{ merged_word }}){% elif ended.get(code) %} ({{ ended_word }}){% endif %}{% endmacro %}
{%- macro tally_cells(r) %}<td data-label="{{ L['Products'] }}">{{ r.total|number }}</td><td data-label="{{ L['Digitised'] }}">{{ r.digitised|number }}</td><td data-label="{{ L['Digitisation rate'] }}">{{ r.digitisation_rate.value|percent }}</td><td data-label="{{ L['Ethnic'] }}">{{ r.ethnic_language|number }}</td><td data-label="{{ L['Foreign'] }}">{{ r.foreign_language|number }}</td><td data-label="{{ L['Digital'] }}">{{ r.digital_platform|number }}</td><td data-label="{{ L['Combined share'] }}">{{ r.combined_share.value|percent }}</td>{% endmacro %}
{%- if what == 'options' %}{% for code, name, current in units %}<option value="{{ code }}"{% if sc and code == sc.commune %} selected{% endif %}>{{ unit_name(code, name) }}</option>{% endfor %}
{%- elif what == 'usage' %}{% for r in usage %}<tr><td>{{ unit_name(r.code, r.label(loc)) }}</td><td data-label="{{ L['Airings'] }}">{{ r.broadcasts|number }}</td><td data-label="{{ L['Downloads'] }}">{{ r.downloads|number }}</td></tr>{% endfor %}
{%- elif what == 'by_commune' %}{% for c in rows %}{% set r = c.row %}<tr{% if c.lagging %} class="lagging"{% endif %}><td>{{ unit_name(r.code, r.label(loc)) }}{% if c.lagging %} <strong class="lag-badge">{{ lagging_word }}</strong> <small class="lag-why">{% for why in c.lagging %}{{ why_words.get(why, why_words['digitisation_below_average']) }}{% if not loop.last %}; {% endif %}{% endfor %}</small>{% endif %}</td>{{ tally_cells(r) }}</tr>{% endfor %}
{%- elif what == 'people' %}{% for g in people %}<tr><td>{{ g.unit_vi }}</td><td data-label="{{ L['Target group'] }}">{{ g.label(loc) }}</td><td data-label="{{ L['Trained'] }}">{{ g.trained|number }}</td><td data-label="{{ L['Staff'] }}">{{ g.staff|number }}</td><td data-label="{{ L['Share'] }}">{{ g.share.value|percent if g.staff else '–' }}</td><td data-label="{{ L['Target'] }}">{{ (g.target_percent ~ ' %') if g.target_percent else '–' }}</td><td data-label="{{ L['Still to train'] }}">{{ g.to_train|number if g.to_train is not none else '–' }}</td></tr>{% endfor %}
{%- else %}{% for r in rows %}<tr><td>{{ unit_name(r.code, r.label(loc)) if name == 'by_unit' else r.label(loc) }}</td>{{ tally_cells(r) }}</tr>{% endfor %}{% endif %}"""

WORDS = {w: f"{w} <&\">" for w in (
    "Airings", "Combined share", "Digital", "Digitisation rate", "Digitised", "Downloads",
    "Ethnic", "Foreign", "Products", "Share", "Staff", "Still to train", "Target",
    "Target group", "Trained")}
ENDED = {"X1": "merged", "X2": "ended"}
WHY = {"no_products": "none <here>", "combined_below_target": "below 15 %",
       "digitisation_below_average": "digitisation & co"}


def _row(code, vi, en, total, digitised, *rest):
    return GroupRow(total, digitised, *rest, code=code, label_vi=vi, label_en=en)


ROWS = [_row("X1", "Xã <Ba> & \"Tơ\"", "Ba To commune", 1234567, 1000, 7, 0, 3, 9, 2),
        _row("X2", "Xã Đăk Pxi", "", 3, 1, 0, 0, 0, 1, 0),
        _row("Q", "Phường Trương Quang Trọng", "Truong Quang Trong", 0, 0, 0, 0, 0, 0, 0),
        _row(None, "(chưa ghi)", "(not set)", 16, 1, 1, 1, 1, 3, 0)]


@pytest.mark.parametrize("loc", ["vi", "en"])
def test_the_rows_are_the_templates_markup(app, loc):
    commune_rows = [CommuneProgress(ROWS[0], ("no_products", "combined_below_target", "odd")),
                    CommuneProgress(ROWS[1], ()), CommuneProgress(ROWS[3], ("odd",))]
    usage = [CommuneUse("X1", "Xã <Ba>", "Ba", 12345, 0), CommuneUse(None, "(không)", "", 0, 7)]
    people = [GroupLine("X1", "Sở <VH>", "g1", "Cán bộ & công chức", "Officials", 100, 3, 3000),
              GroupLine("X2", "UBND xã", "g2", "Báo cáo viên", "", None, 0, 0),
              GroupLine("Q", "Phường", "g3", "Người dân", "People", 70, 5, 0)]
    units = [("X1", "Xã <Ba>", False), ("X2", "Xã \"Tơ\"", False), ("Q", "Phường", True)]
    context = dict(loc=loc, L=WORDS, ended=ENDED, merged_word="sáp <nhập>",
                   ended_word="không còn", lagging_word="Chậm & muộn", why_words=WHY,
                   rows=ROWS, usage=usage, people=people, units=units,
                   sc=type("Scope", (), {"commune": "X2"})())
    tr = Rows(loc, WORDS, ENDED, context["merged_word"], context["ended_word"])
    with app.test_request_context("/dashboard", environ_overrides={"kho.locale": loc}):
        reference = app.jinja_env.from_string(REFERENCE)

        def expected(what: str, **more) -> str:
            return reference.render(what=what, **{**context, **more})

        assert ("1.234.567" if loc == "vi" else "1,234,567") in tr.breakdown("by_unit", ROWS)
        for name in ("by_unit", "by_kind"):
            assert tr.breakdown(name, ROWS) == expected(name, name=name)
        assert tr.communes(commune_rows, "Chậm & muộn", WHY) == \
            expected("by_commune", rows=commune_rows)
        assert tr.usage(usage) == expected("usage")
        assert tr.people(people) == expected("people")
        assert tr.options(units, "X2") == expected("options")
        assert 'value="X2" selected' in tr.options(units, "X2")
        assert tr.options(units, None) == expected("options", sc=None)
        assert "&lt;Ba&gt;" in tr.options(units, None) and "<Ba>" not in tr.options(units, None)
