"""``kho report``: the yearly report as an Excel workbook or a Word document."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from app.cli.base import CliState, _, handle_errors, pass_state


@click.command("report")
@click.option("--year", type=int, default=None, metavar="YYYY",
              help="Calendar year reported (default: this year).")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write: .xlsx (workbook) or .docx (document).")
@click.option("--unit", default=None, metavar="CODE", help="Only products of one lead unit.")
@click.option("--commune", default=None, metavar="CODE",
              help="Only products of one commune (unit code or GSO code).")
@pass_state
@handle_errors
def report_cmd(state: CliState, year: Optional[int], out: Path, unit: Optional[str],
               commune: Optional[str]) -> None:
    """Write the yearly report of the plan's targets to OUT.

    The file appears under OUT only when it is complete. Exit code: 0 written,
    1 failed, 2 bad option.
    """
    from app.i18n import format_number, gettext_for
    from app.services.access.actors import SYSTEM
    from app.services.reports.yearly import report_format, write_report
    from archive.errors import ValidationError

    try:
        report_format(out)
    except ValidationError as exc:      # a usage error: name the option
        raise click.BadParameter(exc.render(gettext_for(state.lang)),
                                 param_hint="'--out'") from None
    written = write_report(state.kho(), SYSTEM, year, out, unit=unit, commune=commune)
    click.echo(_("Report of %(year)s written to %(path)s: %(count)s products.")
               % {"year": written.year, "path": written.path,
                  "count": format_number(written.products, state.lang)})
