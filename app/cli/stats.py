"""``kho stats``: the office's figures as a readable table, or the API's JSON."""
from __future__ import annotations

import json
from typing import Any, Iterable, Optional

import click

from app.cli.common import CliState, _, handle_errors, pass_state

VERDICT_WORDS = {"below": "below the band", "within": "within the band",
                 "above": "above the band", "no_data": "no products"}
INDICATORS = (("digitisation_rate", "Digitisation rate"), ("online_rate", "Online rate"),
              ("ethnic_language_share", "Ethnic-language share"),
              ("foreign_language_share", "Foreign-language share"),
              ("digital_platform_share", "Digital-platform share"),
              ("combined_share", "Combined share (Decision 1079)"))
BREAKDOWNS = (("by_unit", "By lead unit"), ("by_commune", "By commune"),
              ("by_kind", "By kind"), ("by_language", "By language"),
              ("by_channel", "By channel"), ("by_theme", "By theme"),
              ("by_plan_task", "By plan task"))


def _table(headers: list[str], rows: Iterable[list[str]]) -> list[str]:
    """Aligned columns: the first left-aligned, the others (numbers) right-aligned."""
    rows = [headers] + [list(r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    return ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                      for i, cell in enumerate(row)).rstrip() for row in rows]


def render(figures: Any, lang: str) -> list[str]:
    """The lines of the readable report (numbers and percentages the ``lang`` way)."""
    from app.i18n import format_number, format_percent

    def num(n: int) -> str:
        return format_number(n, lang)

    def pct(ratio: Any) -> str:
        return format_percent(ratio.value, lang)

    band = f"{format_percent(figures.target.band_min, lang)} – " \
           f"{format_percent(figures.target.band_max, lang)}"
    lines = [_("Products in scope: %(n)s") % {"n": num(figures.total)}, ""]
    rows = []
    for name, label in INDICATORS:
        ratio = getattr(figures, name)
        verdict = figures.verdicts.get(name)
        rows.append([_(label), pct(ratio), f"{num(ratio.numerator)}/{num(ratio.denominator)}",
                     _(VERDICT_WORDS[verdict]) if verdict else ""])
    lines += _table([_("Indicator"), "%", _("Products"), _("Band %(band)s") % {"band": band}],
                    rows)
    p = figures.projection
    if p.combined_share is not None:
        lines += ["", _("At this pace in %(year)s: combined share %(combined)s, "
                        "digitisation %(digitised)s") % {
            "year": p.year, "combined": format_percent(p.combined_share, lang),
            "digitised": format_percent(p.digitisation_rate, lang)}]
    d = figures.deadline
    lines += [_("Report due %(date)s: %(days)s days left") % {
        "date": d.on.strftime("%d/%m/%Y"), "days": num(d.days_left)}, ""]
    heads = [_("Products"), _("Digitised"), _("Digitisation rate"), _("Combined share")]
    lines += [_("By year")] + _table([_("Year")] + heads, (
        [str(r.year), num(r.total), num(r.digitised), pct(r.digitisation_rate),
         pct(r.combined_share)] for r in figures.by_year))
    for name, title in BREAKDOWNS:
        rows = getattr(figures, name)
        if rows:
            lines += ["", _(title)] + _table([""] + heads, (
                [r.label(lang), num(r.total), num(r.digitised), pct(r.digitisation_rate),
                 pct(r.combined_share)] for r in rows))
    lines += ["", _("Broadcasts and downloads per commune")] + _table(
        [_("Commune"), _("Airings"), _("Downloads")], _usage_rows(figures, lang))
    return lines


def _usage_rows(figures: Any, lang: str) -> list[list[str]]:
    from app.i18n import format_number
    from app.services.stats.plan_progress import usage_by_commune

    return [[r.label(lang), format_number(r.broadcasts, lang), format_number(r.downloads, lang)]
            for r in usage_by_commune(figures)]


@click.group("stats", invoke_without_command=True)
@click.option("--from", "date_from", metavar="DATE", default=None,
              help="Products made on or after DATE (dd/mm/yyyy or ISO).")
@click.option("--to", "date_to", metavar="DATE", default=None,
              help="Products made on or before DATE.")
@click.option("--unit", metavar="CODE", default=None, help="Only one lead unit's products.")
@click.option("--commune", metavar="CODE", default=None,
              help="Only one commune's products (unit code or GSO code).")
@click.option("--as-filed", is_flag=True,
              help="Show old communes as they were, not rolled up into their successors.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /api/v1/stats.")
@click.pass_context
@handle_errors
def stats_cmd(ctx: click.Context, date_from: Optional[str], date_to: Optional[str],
              unit: Optional[str], commune: Optional[str], as_filed: bool,
              as_json: bool) -> None:
    """The plan's indicators against their targets, with breakdowns
    (``kho stats rebuild``: count the summary rows over).

    Exit code: 0 shown, 2 bad option (the message names it).
    """
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    from app.services.activities import people_view
    from app.services.stats import plan_progress
    from app.services.access.actors import SYSTEM

    params = {k: v for k, v in (("from", date_from), ("to", date_to), ("unit", unit),
                                ("commune", commune)) if v}
    if as_filed:
        params["rollup"] = "false"
    figures = plan_progress.request_stats(state.kho(), SYSTEM, params)
    people = people_view.scope_figures(state.kho(), SYSTEM, figures.scope)
    if as_json:
        body = plan_progress.stats_json(figures)
        body.update(people_view.stats_blocks(people))
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for line in render(figures, state.lang) + render_people(people, state.lang):
        click.echo(line)


@stats_cmd.command("rebuild")
@pass_state
@handle_errors
def rebuild_cmd(state: CliState) -> None:
    """Count the figures' summary rows over: every product's cells and facts, and the
    airings' and downloads' cells (a repair; the figures keep themselves current).
    Safe while Kho runs: writers and requests wait for it (seconds at 100,000
    products), nothing is counted twice or missed.

    Exit code: 0 counted, 1 the database refused (the message says why).
    """
    from app.services.stats import summary

    rows = summary.count_everything_over(state.kho())
    click.echo(_("Counted over: %(facts)s products, %(cells)s cells, %(usage)s usage cells.")
               % {"facts": rows["facts"], "cells": rows["cells"], "usage": rows["usage_cells"]})


def render_people(fig: Any, lang: str) -> list[str]:
    """The "people and activities" lines: people trained per target group against
    staff and target (100 %, 70 %), the spokesperson mechanism, the activities."""
    from app.i18n import format_number, format_percent

    def pct(value: float) -> str:
        return format_percent(value, lang)

    rows = [[g.label(lang), format_number(g.trained, lang), format_number(g.staff, lang),
             pct(g.share.value) if g.staff else "–",
             pct(g.target_percent / 100) if g.target_percent else "–",
             format_number(g.to_train, lang) if g.to_train is not None else "–"]
            for g in fig.by_group]
    sp = fig.spokespersons
    return ["", _("People and activities in %(year)s") % {"year": fig.year}] + _table(
        [_("Target group"), _("Trained"), _("Staff"), _("Share"), _("Target"),
         _("Still to train")], rows) + [
        _("Spokesperson mechanism: %(n)s of %(total)s bodies (%(share)s, target 100 %%); "
          "press briefings: %(briefings)s") % {
            "n": format_number(sp.designated, lang), "total": format_number(sp.bodies, lang),
            "share": pct(sp.share.value), "briefings": format_number(sp.briefings, lang)},
        _("Activities in %(year)s: %(n)s, participants %(p)s") % {
            "year": fig.year, "n": format_number(fig.activities, lang),
            "p": format_number(fig.participants, lang)}]
