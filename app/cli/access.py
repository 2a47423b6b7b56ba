"""``kho access requests|grant|refuse``: access requests from the command line
(:mod:`app.services.access.requests`).

Commands act as the system (every office's queue) unless ``--as USER`` names an
account, whose role and unit then apply (its own requests, its office's queue). A
request already decided is refused with exit code 1; a bad date or a missing reason
with exit code 2, naming what to fix.
"""
from __future__ import annotations

from typing import Optional

import click

from app.cli.common import (AS_USER, CliState, _, actor_for, day_text, echo_rows,
                            handle_errors, pass_state)


@click.group("access")
def access_group() -> None:
    """Access requests to restricted products: list, grant, refuse."""


def _line(row: dict) -> str:
    state = {"pending": _("waiting"), "granted": _("granted until %(day)s"),
             "refused": _("refused"), "withdrawn": _("withdrawn")}[row["status"]]
    if row["status"] == "granted":
        state = state % {"day": day_text(row["grant_until"])}
    return "\t".join([f"#{row['id']}", state, str(row["product_id"]),
                      row["product_title"] or "—", row["requester"] or "—", row["reason"]])


@access_group.command("requests")
@click.option("--queue", is_flag=True, help="The office's queue (default: the account's "
                                            "own requests).")
@click.option("--status", default="pending", metavar="STATUS",
              help="With --queue: pending (default), granted, refused, withdrawn or all.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, as the API answers.")
@AS_USER
@pass_state
@handle_errors
def requests_cmd(state: CliState, queue: bool, status: str, as_json: bool,
                 username: Optional[str]) -> None:
    """List access requests, newest first: id, status, product id and title, requester,
    reason."""
    from app.services.access import requests

    kho = state.kho()
    actor = actor_for(kho, username)
    rows = requests.queue(kho, actor, None if status == "all" else status) if queue \
        else requests.my_requests(kho, actor)
    echo_rows(rows, as_json, _line)


@access_group.command("grant")
@click.argument("request_id", type=int)
@click.option("--until", "until", required=True, metavar="DATE",
              help="Last day the grant holds (dd/mm/yyyy or ISO), from today to a year "
                   "ahead.")
@click.option("--note", default="", help="A note the requester reads.")
@AS_USER
@pass_state
@handle_errors
def grant_cmd(state: CliState, request_id: int, until: str, note: str,
              username: Optional[str]) -> None:
    """Grant a pending request until a date."""
    from app.services.access import requests

    kho = state.kho()
    row = requests.grant(kho, actor_for(kho, username), request_id, until, note=note)
    click.echo(_line(row))


@access_group.command("refuse")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why (the requester reads it).")
@AS_USER
@pass_state
@handle_errors
def refuse_cmd(state: CliState, request_id: int, reason: str,
               username: Optional[str]) -> None:
    """Refuse a pending request, saying why."""
    from app.services.access import requests

    kho = state.kho()
    click.echo(_line(requests.refuse(kho, actor_for(kho, username), request_id, reason)))
