"""``kho people …`` (and ``kho activity import-attendance``): attendance sheets, the
people matching (list, merge, split), staff counts, spokespersons and the people figures.

Commands act as the system (every unit) unless ``--as USER`` names an account, whose
role and units then apply. Exit codes: 0 done, 1 the sheet has problems (nothing was
imported; one line per problem naming row and column), 2 bad option.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import click

from app.cli.common import (AS_USER, CliState, _, actor_for, handle_errors, message,
                            pass_state)



@click.command("import-attendance")
@click.argument("activity_id", type=int)
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the sheet; write nothing.")
@AS_USER
@pass_state
@handle_errors
def import_attendance_cmd(state: CliState, activity_id: int, sheet: Path, dry_run: bool,
                          username: Optional[str]) -> None:
    """Import an attendance SHEET (CSV or XLSX) for ACTIVITY_ID: whole or not at all."""
    from app.i18n import gettext_for
    from app.services.activities.attendance_import import import_attendance

    kho = state.kho()
    out = import_attendance(kho, actor_for(kho, username), activity_id, sheet, dry_run=dry_run)
    reader = gettext_for(state.lang)
    for note in out.notes:
        click.echo(message(note))
    if out.problems:
        click.echo(_("Nothing was imported: %(n)s problem(s).") % {"n": len(out.problems)},
                   err=True)
        for problem in out.problems:
            click.echo(problem.render(reader), err=True)
        sys.exit(1)
    if dry_run:
        click.echo(_("The sheet is ready to import: %(n)s people.") % {"n": out.rows})
        return
    click.echo(_("Imported %(rows)s rows: %(added)s added to the list (%(new)s new people), "
                 "%(listed)s already listed.") % {"rows": out.rows, "added": out.added,
                                                  "new": out.new_people,
                                                  "listed": out.already_listed})


@click.group("people")
def people_group() -> None:
    """Participants, staff counts, spokespersons and the people figures."""


people_group.add_command(import_attendance_cmd)


@people_group.command("list")
@click.option("--query", "-q", default="", help="Part of the name (diacritics optional).")
@AS_USER
@pass_state
@handle_errors
def list_cmd(state: CliState, query: str, username: Optional[str]) -> None:
    """People of the account's units (id, name, unit, attendances)."""
    from app.services.activities.people_matching import list_people

    kho = state.kho()
    for p in list_people(kho, actor_for(kho, username), query):
        click.echo(f"{p.id}\t{p.name}\t{p.unit}\t{p.attendances}")


@people_group.command("merge")
@click.argument("keep", type=int)
@click.argument("others", type=int, nargs=-1, required=True)
@AS_USER
@pass_state
@handle_errors
def merge_cmd(state: CliState, keep: int, others: tuple[int, ...],
              username: Optional[str]) -> None:
    """Merge the people OTHERS into KEEP (one person under several spellings)."""
    from app.services.activities.people_matching import merge_people

    kho = state.kho()
    moved = merge_people(kho, actor_for(kho, username), keep, list(others))
    click.echo(_("Merged; %(n)s attendances moved.") % {"n": moved})


@people_group.command("split")
@click.argument("person", type=int)
@click.argument("attendances", type=int, nargs=-1, required=True)
@click.option("--name", default=None, help="Name of the new person (default: the same).")
@AS_USER
@pass_state
@handle_errors
def split_cmd(state: CliState, person: int, attendances: tuple[int, ...],
              name: Optional[str], username: Optional[str]) -> None:
    """Move ATTENDANCES of PERSON to a new namesake."""
    from app.services.activities.people_matching import split_person

    kho = state.kho()
    new_id = split_person(kho, actor_for(kho, username), person, list(attendances), name)
    click.echo(_("New person %(id)s.") % {"id": new_id})


@people_group.command("staff")
@click.argument("year")
@click.argument("unit", required=False)
@click.argument("group", required=False)
@click.argument("staff", required=False)
@AS_USER
@pass_state
@handle_errors
def staff_cmd(state: CliState, year: str, unit: Optional[str], group: Optional[str],
              staff: Optional[str], username: Optional[str]) -> None:
    """Staff per unit and target group of YEAR; with UNIT GROUP STAFF, record one."""
    from app.services.activities import spokespersons

    kho = state.kho()
    actor = actor_for(kho, username)
    if unit or group or staff:
        if not (unit and group and staff is not None):
            raise click.UsageError(_("give UNIT GROUP STAFF together"))
        spokespersons.set_staff_count(kho, actor, unit, year, group, staff)
    for s in spokespersons.staff_counts(kho, actor, year):
        click.echo(f"{s.unit}\t{s.group}\t{s.staff}")


@people_group.command("spokesperson")
@click.argument("year")
@click.argument("unit", required=False)
@click.option("--designated/--none", default=None,
              help="The body has designated a spokesperson (or has none).")
@click.option("--name", default="", help="The spokesperson's name.")
@click.option("--position", default="", help="The spokesperson's position.")
@AS_USER
@pass_state
@handle_errors
def spokesperson_cmd(state: CliState, year: str, unit: Optional[str],
                     designated: Optional[bool], name: str, position: str,
                     username: Optional[str]) -> None:
    """Spokesperson records of YEAR; with UNIT and --designated/--none, record one."""
    from app.services.activities import spokespersons

    kho = state.kho()
    actor = actor_for(kho, username)
    if unit:
        if designated is None:
            raise click.UsageError(_("say --designated or --none"))
        spokespersons.set_spokesperson(kho, actor, unit, year, designated, name, position)
    for s in spokespersons.spokespersons(kho, actor, year):
        click.echo(f"{s.unit}\t{_('yes') if s.designated else _('no')}\t{s.name}")


def render_people(fig: Any, lang: str) -> list[str]:
    """Readable lines of the people figures (numbers and percentages the ``lang`` way)."""
    from app.i18n import format_number, format_percent

    def num(n: int) -> str:
        return format_number(n, lang)

    def row(g: Any, first: str) -> list[str]:
        target = format_percent(g.target_percent / 100, lang) if g.target_percent else "–"
        return [first, num(g.trained), num(g.staff),
                format_percent(g.share.value, lang) if g.staff else "–", target,
                num(g.to_train) if g.to_train is not None else "–"]

    head = [_("Trained"), _("Staff"), _("Share"), _("Target"), _("Still to train")]
    lines = [_("People trained in %(year)s: %(n)s") % {"year": fig.year,
                                                       "n": num(fig.people_trained)}]
    lines += _table([_("Target group")] + head, [row(g, g.label(lang)) for g in fig.by_group])
    if fig.by_unit:
        lines += ["", _("By unit")] + _table(
            [_("Unit")] + head, [row(g, f"{g.unit_vi} · {g.label(lang)}") for g in fig.by_unit])
    sp = fig.spokespersons
    lines += ["", _("Spokesperson mechanism: %(n)s of %(total)s bodies (%(share)s, target "
                    "100 %%); press briefings: %(briefings)s") % {
        "n": num(sp.designated), "total": num(sp.bodies),
        "share": format_percent(sp.share.value, lang), "briefings": num(sp.briefings)}]
    lines += ["", _("Activities in %(year)s: %(n)s, participants %(p)s") % {
        "year": fig.year, "n": num(fig.activities), "p": num(fig.participants)}]
    lines += _table([_("Plan task"), _("Activities"), _("Participants")],
                    [[c.code or c.label(lang), num(c.activities), num(c.participants)]
                     for c in fig.by_plan_task])
    return lines


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    rows = [headers] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    return ["  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                      for i, c in enumerate(r)).rstrip() for r in rows]


@people_group.command("figures")
@click.option("--year", default=None, help="Year (default: this year).")
@click.option("--unit", default=None, metavar="CODE", help="Only one unit (and those it replaced).")
@click.option("--commune", default=None, metavar="CODE", help="Only one commune.")
@click.option("--as-filed", is_flag=True, help="Old units as they were, not rolled up.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the people and activities blocks of GET /api/v1/stats.")
@AS_USER
@pass_state
@handle_errors
def figures_cmd(state: CliState, year: Optional[str], unit: Optional[str],
                commune: Optional[str], as_filed: bool, as_json: bool,
                username: Optional[str]) -> None:
    """People trained per target group and unit against staff and target (100 %, 70 %),
    the spokesperson mechanism and the activities of a year."""
    from app.services.activities import people_view

    kho = state.kho()
    params = {k: v for k, v in (("year", year), ("unit", unit), ("commune", commune)) if v}
    if as_filed:
        params["rollup"] = "false"
    fig = people_view.request_people(kho, actor_for(kho, username), params)
    if as_json:
        click.echo(json.dumps({"people": people_view.people_json(fig),
                               "activities": people_view.activities_json(fig)},
                              ensure_ascii=False, indent=2))
        return
    for line in render_people(fig, state.lang):
        click.echo(line)
