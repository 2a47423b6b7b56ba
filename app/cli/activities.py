"""``kho activity add|list|show|delete``: the activities register from the command line.

Commands act as the system (every unit) unless ``--as USER`` names an account, whose
role and units then apply. Output is counts only, never participants' names."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import click

from app.cli.common import AS_USER, CliState, _, actor_for, handle_errors, pass_state



def _counts(values: tuple[str, ...]) -> list[dict]:
    """GROUP=TOTAL[/WOMEN[/ETHNIC_MINORITY]] -> participant rows (checked by the service)."""
    rows = []
    for value in values:
        group, _sep, numbers = value.partition("=")
        parts = (numbers.split("/") + ["", ""])[:3]
        rows.append({"target_group": group.strip(), "total": parts[0].strip(),
                     "women": parts[1].strip(), "ethnic_minority": parts[2].strip()})
    return rows


@click.group("activity")
def activity_group() -> None:
    """The activities register: trainings, conferences, exhibitions, contests…"""


@activity_group.command("add")
@click.option("--kind", required=True, help="Activity kind (code or name), e.g. training.")
@click.option("--title", required=True, help="Title.")
@click.option("--from", "starts_on", required=True, metavar="DATE",
              help="First day (dd/mm/yyyy or ISO).")
@click.option("--to", "ends_on", default="", metavar="DATE",
              help="Last day (default: the same day).")
@click.option("--organiser", required=True, metavar="UNIT", help="Organising unit (code).")
@click.option("--commune", "communes", multiple=True, metavar="UNIT",
              help="Commune where it took place (repeatable).")
@click.option("--plan-task", default="", metavar="CODE", help="Plan task, e.g. 2.2.")
@click.option("--place", default="", help="Place.")
@click.option("--description", default="", help="Description.")
@click.option("--count", "counts", multiple=True, metavar="GROUP=TOTAL[/WOMEN[/MINORITY]]",
              help="Participants of a target group (repeatable).")
@click.option("--evidence", "files", multiple=True, type=click.Path(path_type=Path,
              exists=True, dir_okay=False), help="Evidence file to store (repeatable).")
@click.option("--evidence-kind", default="other",
              type=click.Choice(["photo", "attendance_sheet", "minutes", "other"]),
              help="Kind of the evidence files.")
@AS_USER
@pass_state
@handle_errors
def add_cmd(state: CliState, kind: str, title: str, starts_on: str, ends_on: str,
            organiser: str, communes: tuple[str, ...], plan_task: str, place: str,
            description: str, counts: tuple[str, ...], files: tuple[Path, ...],
            evidence_kind: str, username: Optional[str]) -> None:
    """Record an activity (and store its evidence files). Exit code: 0 recorded,
    2 refused (each bad field named) or bad option."""
    from app.services.activities import evidence, register

    kho = state.kho()
    actor = actor_for(kho, username)
    data = {"kind": kind, "title": title, "starts_on": starts_on, "ends_on": ends_on,
            "organiser": organiser, "communes": list(communes), "plan_task": plan_task,
            "place": place, "description": description, "participants": _counts(counts)}
    activity_id = register.create_activity(kho, actor, data)
    click.echo(_("Activity %(id)s recorded.") % {"id": activity_id})
    for path in files:
        with path.open("rb") as fh:
            added = evidence.add_evidence(kho, actor, activity_id, fh, path.name,
                                          kind=evidence_kind)
        click.echo(_("Evidence %(name)s stored, SHA-256 %(sha)s")
                   % {"name": added.filename, "sha": added.sha256})


@activity_group.command("list")
@click.option("--q", "words", default="", help="Words (diacritics optional).")
@click.option("--kind", default="", help="Activity kind code.")
@click.option("--year", type=int, default=None, help="Year.")
@click.option("--unit", default="", help="Organiser or commune code.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, as the API answers.")
@AS_USER
@pass_state
@handle_errors
def list_cmd(state: CliState, words: str, kind: str, year: Optional[int], unit: str,
             as_json: bool, username: Optional[str]) -> None:
    """List activities, newest first: id, dates, kind, participants, title."""
    from app.i18n import format_number
    from app.services.activities import register
    from app.services.activities.activity_record import as_record

    kho = state.kho()
    page = register.list_activities(kho, actor_for(kho, username), register.ActivityFilter(
        q=words, kind=kind, year=year, unit=unit), per_page=500)
    for activity in page.items:
        record = as_record(activity)
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        days = activity.starts_on.strftime("%d/%m/%Y")
        if not activity.one_day:
            days += "–" + activity.ends_on.strftime("%d/%m/%Y")
        click.echo(f"{activity.id}\t{days}\t{activity.kind.label(state.lang)}\t"
                   f"{format_number(record['participants_total'], state.lang)}\t{activity.title}")
    if not as_json:
        click.echo(_("%(count)s activities") % {"count": format_number(page.total, state.lang)})


@activity_group.command("show")
@click.argument("activity_id", type=int)
@AS_USER
@pass_state
@handle_errors
def show_cmd(state: CliState, activity_id: int, username: Optional[str]) -> None:
    """Show one activity as JSON (counts only, never names)."""
    from app.services.activities import register
    from app.services.activities.activity_record import as_record

    kho = state.kho()
    activity, _people = register.get_activity(kho, actor_for(kho, username), activity_id)
    click.echo(json.dumps(as_record(activity), ensure_ascii=False, indent=2))


@activity_group.command("delete")
@click.argument("activity_id", type=int)
@AS_USER
@pass_state
@handle_errors
def delete_cmd(state: CliState, activity_id: int, username: Optional[str]) -> None:
    """Delete an activity (audited; its evidence objects stay in storage)."""
    from app.services.activities import register

    kho = state.kho()
    register.delete_activity(kho, actor_for(kho, username), activity_id)
    click.echo(_("Activity %(id)s deleted.") % {"id": activity_id})
