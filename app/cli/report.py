"""``kho report``: the yearly report as an Excel workbook or a Word document."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from app.cli.common import CliState, _, handle_errors, pass_state


@click.command("report")
@click.option("--year", type=int, default=None, metavar="YYYY",
              help="Calendar year reported (default: this year).")
@click.option("--out", required=True, multiple=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="File to write: .xlsx (workbook) or .docx (document); give it twice "
                   "for both from one count.")
@click.option("--unit", default=None, metavar="CODE", help="Only products of one lead unit.")
@click.option("--commune", default=None, metavar="CODE",
              help="Only products of one commune (unit code or GSO code).")
@click.option("--issuer", default=None, metavar="CODE",
              help="Unit issuing the report (default: the commune or unit reported on, "
                   "else the consolidating body on the report date).")
@click.option("--date", "on", default=None, metavar="DD/MM/YYYY",
              help="Date of the report: the units as they stood that day issue, sign and "
                   "receive it (default: today, date line left to fill in).")
@pass_state
@handle_errors
def report_cmd(state: CliState, year: Optional[int], out: tuple[Path, ...],
               unit: Optional[str],
               commune: Optional[str], issuer: Optional[str], on: Optional[str]) -> None:
    """Write the yearly report of the plan's targets to OUT.

    The file appears under OUT only when it is complete; a unit that cannot issue a
    report on that date writes nothing and says which unit to pick. Exit code:
    0 written, 1 failed, 2 bad option.
    """
    from app.i18n import format_number, gettext_for
    from app.services.access.actors import SYSTEM
    from app.services.reports.yearly import report_format, write_reports
    from archive.errors import ValidationError

    try:
        for path in out:
            report_format(path)
    except ValidationError as exc:      # a usage error: name the option
        raise click.BadParameter(exc.render(gettext_for(state.lang)),
                                 param_hint="'--out'") from None
    for written in write_reports(state.kho(), SYSTEM, year, list(out), unit=unit,
                                 commune=commune, issuer=issuer, on=on):
        click.echo(_("Report of %(year)s written to %(path)s: %(count)s products.")
                   % {"year": written.year, "path": written.path,
                      "count": format_number(written.products, state.lang)})
