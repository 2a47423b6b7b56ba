"""``kho contribution checklist|show|file|return|accept``: yearly contributions to the
plan's report from the command line.

Commands act as the system (every unit) unless ``--as USER`` names an account, whose
role and unit then apply (the same rules as the pages and the API). Texts may be given
inline or read from a UTF-8 file (``--results-file``…), paragraphs kept.
Exit codes: 0 done, 1 refused (not allowed, or a state that does not permit it), 2 bad
input (a year outside the plan, an unknown unit, a text too long).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import click

from app.cli.common import AS_USER, CliState, _, actor_for, handle_errors, pass_state

STATE_WORDS = {"missing": "Not filed", "draft": "Draft", "submitted": "Submitted",
               "returned": "Returned", "accepted": "Accepted"}


def _day(iso: Optional[str]) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" if iso else ""


def _print_contribution(item: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(item, ensure_ascii=False, indent=2))
        return
    click.echo(f"{item['unit']['name']} — {item['year']}: {_(STATE_WORDS[item['state']])}")
    click.echo(_("Goes to") + f": {item['consolidator']['name']}; "
               + _("Due on %(date)s.") % {"date": _day(item["deadline"])})
    if item["submitted_at"]:
        timing = "" if item["on_time"] is None else \
            (" (" + (_("on time") if item["on_time"] else _("late")) + ")")
        click.echo(_("Submitted") + f": {_day(item['submitted_at'])}{timing}")
    if item["return_reason"] and item["state"] == "returned":
        click.echo(_("Reason") + f": {item['return_reason']}")
    for name, label in (("results", "Results"), ("difficulties", "Difficulties"),
                        ("proposals", "Proposals")):
        if item[name]:
            click.echo(f"\n{_(label)}:\n{item[name]}")


@click.group("contribution")
def contribution_group() -> None:
    """Yearly contributions: each unit's part of the plan's report."""


@contribution_group.command("checklist")
@click.option("--year", required=True, type=int, help="Year of the plan (2023–2028).")
@click.option("--unit", default=None, metavar="CODE",
              help="Consolidating body (default: the account's unit, or the first body).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of the API.")
@AS_USER
@pass_state
@handle_errors
def checklist_cmd(state: CliState, year: int, unit: Optional[str], as_json: bool,
                  username: Optional[str]) -> None:
    """Who was expected, who submitted, who is late, days left."""
    from app.services.contributions.checklist import checklist

    kho = state.kho()
    board = checklist(kho, actor_for(kho, username), year, unit)
    if as_json:
        click.echo(json.dumps(board, ensure_ascii=False, indent=2))
        return
    c = board["counts"]
    click.echo(f"{board['unit']['name']} — {board['year']}")
    click.echo(_("Due on %(date)s.") % {"date": _day(board["deadline"])} + " "
               + _("%(days)s days left") % {"days": board["days_left"]})
    click.echo(_("%(done)s of %(expected)s expected units have submitted; %(late)s late.")
               % {"done": c["done"], "expected": c["expected"], "late": c["late"]})
    for row in board["contributors"]:
        late = f"  {_('Late')}" if row["late"] else ""
        click.echo(f"  {row['unit']['code']:<32} {_(STATE_WORDS[row['state']]):<16}"
                   f" {_day(row['submitted_at']) if row['state'] in ('submitted', 'accepted') else '':<10}{late}")


@contribution_group.command("show")
@click.argument("unit")
@click.argument("year")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of the API.")
@AS_USER
@pass_state
@handle_errors
def show_cmd(state: CliState, unit: str, year: str, as_json: bool,
             username: Optional[str]) -> None:
    """One unit's contribution for a year."""
    from app.services.contributions.contribution_view import get_contribution

    kho = state.kho()
    _print_contribution(get_contribution(kho, actor_for(kho, username), unit, year), as_json)


def _text(inline: Optional[str], path: Optional[Path]) -> Optional[str]:
    if path is not None:
        return path.read_text(encoding="utf-8")
    return inline


@contribution_group.command("file")
@click.argument("unit")
@click.argument("year")
@click.option("--results", default=None, help="Results (text).")
@click.option("--results-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=None, help="Results read from a UTF-8 text file.")
@click.option("--difficulties", default=None, help="Difficulties (text).")
@click.option("--difficulties-file", type=click.Path(path_type=Path, exists=True,
              dir_okay=False), default=None, help="Difficulties read from a file.")
@click.option("--proposals", default=None, help="Proposals (text).")
@click.option("--proposals-file", type=click.Path(path_type=Path, exists=True,
              dir_okay=False), default=None, help="Proposals read from a file.")
@click.option("--product", "products", multiple=True, type=int, metavar="ID",
              help="Linked product (repeatable; replaces the list).")
@click.option("--activity", "activities", multiple=True, type=int, metavar="ID",
              help="Linked activity (repeatable; replaces the list).")
@click.option("--submit", is_flag=True, help="Submit after saving.")
@AS_USER
@pass_state
@handle_errors
def file_cmd(state: CliState, unit: str, year: str, results: Optional[str],
             results_file: Optional[Path], difficulties: Optional[str],
             difficulties_file: Optional[Path], proposals: Optional[str],
             proposals_file: Optional[Path], products: tuple[int, ...],
             activities: tuple[int, ...], submit: bool, username: Optional[str]) -> None:
    """Save a unit's contribution (a draft), or submit it with --submit."""
    from app.services.contributions import filing

    data: dict[str, Any] = {}
    for name, value in (("results", _text(results, results_file)),
                        ("difficulties", _text(difficulties, difficulties_file)),
                        ("proposals", _text(proposals, proposals_file))):
        if value is not None:
            data[name] = value
    if products:
        data["product_ids"] = list(products)
    if activities:
        data["activity_ids"] = list(activities)
    kho = state.kho()
    work = filing.submit_contribution if submit else filing.save_contribution
    _print_contribution(work(kho, actor_for(kho, username), unit, year, data), False)


@contribution_group.command("return")
@click.argument("unit")
@click.argument("year")
@click.option("--reason", required=True, help="Why it goes back to the unit.")
@AS_USER
@pass_state
@handle_errors
def return_cmd(state: CliState, unit: str, year: str, reason: str,
               username: Optional[str]) -> None:
    """Return a submitted contribution to its unit, with a reason."""
    from app.services.contributions.filing import return_contribution

    kho = state.kho()
    _print_contribution(return_contribution(kho, actor_for(kho, username), unit, year, reason),
                        False)


@contribution_group.command("accept")
@click.argument("unit")
@click.argument("year")
@AS_USER
@pass_state
@handle_errors
def accept_cmd(state: CliState, unit: str, year: str, username: Optional[str]) -> None:
    """Accept a submitted contribution (final)."""
    from app.services.contributions.filing import accept_contribution

    kho = state.kho()
    _print_contribution(accept_contribution(kho, actor_for(kho, username), unit, year), False)
