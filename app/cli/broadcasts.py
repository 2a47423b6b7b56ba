"""``kho broadcast log|list``: the broadcast log from the command line.

Commands act as the system (an admin's rights: the commune is named) unless ``--as
USER`` names an account, whose role and commune then apply. One log is one airing: a
product, a commune, a day and the part of the day (``--slot``); logging the same
airing again is refused (exit 1), so a script may simply be run again.
"""
from __future__ import annotations

from typing import Optional

import click

from app.cli.common import (AS_USER, CliState, _, actor_for, day_text, echo_rows,
                            handle_errors, pass_state)

def _slot_name(code: Optional[str]) -> str:
    """The part of the day (a code of app.services.broadcasts.slots.SLOTS) in words;
    "—" when not known."""
    return {"morning": _("Morning"), "noon": _("Noon"), "afternoon": _("Afternoon"),
            "evening": _("Evening")}.get(code or "", "—")


def _airing_line(row: dict) -> str:
    """One airing of ``kho broadcast list``: id, day, part of the day, commune, product
    id and title, tab-separated."""
    return "\t".join([str(row["id"]), day_text(row["aired_on"]), _slot_name(row["slot"]),
                      row["commune"]["name"], str(row["product_id"]),
                      row["product_title"] or ""])


@click.group("broadcast")
def broadcast_group() -> None:
    """The broadcast log: which commune radio aired which product, when."""


@broadcast_group.command("log")
@click.argument("product_id", type=int)
@click.option("--on", "aired_on", required=True, metavar="DATE",
              help="Day it aired (dd/mm/yyyy or ISO), not in the future.")
@click.option("--slot", default="", metavar="SLOT",
              help="Part of the day: morning, noon, afternoon, evening (or sáng, trưa, "
                   "chiều, tối). Left out: not known (one such log per day).")
@click.option("--commune", default="", metavar="CODE",
              help="Commune that aired it (unit or GSO code; the one that existed that "
                   "day). Commune accounts: their own.")
@click.option("--note", default="", help="Note (at most 1000 characters).")
@AS_USER
@pass_state
@handle_errors
def log_cmd(state: CliState, product_id: int, aired_on: str, slot: str, commune: str,
            note: str, username: Optional[str]) -> None:
    """Log that a commune radio aired a product. Exit code: 0 logged, 1 refused (the
    same airing already logged, nothing to air), 2 a bad value (each named)."""
    from app.services.broadcasts.log import log_broadcast

    kho = state.kho()
    row = log_broadcast(kho, actor_for(kho, username), product_id, aired_on,
                        commune_code=commune or None, note=note, slot=slot or None)
    day = day_text(row["aired_on"])
    click.echo(_("Logged #%(id)s: %(commune)s aired product %(product)s on %(day)s (%(slot)s).")
               % {"id": row["id"], "commune": row["commune"]["name"], "product": product_id,
                  "day": day, "slot": _slot_name(row["slot"])})


@broadcast_group.command("list")
@click.option("--commune", default="", metavar="CODE", help="Only this commune.")
@click.option("--year", type=int, default=None, help="Only airings of this year.")
@click.option("--product", "product_id", type=int, default=None, help="Only this product.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, as the API answers.")
@AS_USER
@pass_state
@handle_errors
def list_cmd(state: CliState, commune: str, year: Optional[int], product_id: Optional[int],
             as_json: bool, username: Optional[str]) -> None:
    """List the airings in force, newest first: id, day, part of the day, commune,
    product id and title; then their number."""
    from app.i18n import format_number
    from app.services.broadcasts.log import list_broadcasts

    kho = state.kho()
    rows = list_broadcasts(kho, actor_for(kho, username), commune_code=commune or None,
                           year=year, product_id=product_id)
    echo_rows(rows, as_json, _airing_line)
    if not as_json:
        click.echo(_("%(num)s airings") % {"num": format_number(len(rows), state.lang)})
