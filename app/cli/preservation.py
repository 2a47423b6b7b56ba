"""``kho fixity``, ``kho replicate``, ``kho backup`` and ``kho restore``: preservation.

Thin doors onto ``app.services.preservation.fixity``, ``replication`` and ``backup``: they choose
what to work on, show a progress bar on standard error and print a summary naming
every faulty file. Exit codes: 0 when everything is whole (or was repaired), 1 when a
copy is still faulty, unreadable or not repairable, 2 for a usage error.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import click

from app.cli.common import CliState, _, handle_errors, pass_state
from app.i18n import format_number


def _mb(state: CliState, count: int) -> str:
    return format_number(round(count / 1_000_000, 1), state.lang)


@click.command("fixity")
@click.option("--all", "everything", is_flag=True, help="Check every original.")
@click.option("--sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="Check N originals picked at random.")
@click.option("--product", "product_id", type=int, default=None, metavar="ID",
              help="Check the originals of one product.")
@click.option("--since-last", type=click.FloatRange(min=0), default=None, metavar="DAYS",
              help="Only originals not checked in the last DAYS days.")
@click.option("--rate", type=click.FloatRange(min=0), default=None, metavar="MB/s",
              help="Read at most this many MB (10^6 bytes) per second (default: no limit).")
@click.option("--repair", is_flag=True,
              help="Restore a missing or corrupt copy from a copy verified whole.")
@pass_state
@handle_errors
def fixity_cmd(state: CliState, everything: bool, sample: Optional[int],
               product_id: Optional[int], since_last: Optional[float], rate: Optional[float],
               repair: bool) -> None:
    """Re-read originals from every copy and compare their SHA-256 with the catalogue.

    Each check is recorded in the file's history. A failed check changes nothing in
    storage; only --repair writes, and only bytes whose SHA-256 is the original's.
    """
    from app.services.preservation import fixity

    chosen = sum(1 for v in (everything, sample, product_id) if v)
    if chosen > 1 or (chosen == 0 and since_last is None):
        raise click.UsageError(_("choose one of --all, --sample N or --product ID "
                                 "(or --since-last DAYS)"))
    kho = state.kho()
    targets = fixity.select_targets(kho, product_id=product_id, sample=sample,
                                    since_last_days=since_last)
    copies = fixity.copies(kho)
    total = sum(t.size for t in targets) * len(copies)
    started = time.monotonic()
    with click.progressbar(length=max(total, 1), label=_("Checking"), file=sys.stderr) as bar:
        report = fixity.run(kho, targets, rate_mb_s=fixity.parse_rate(rate),
                            repair_faulty=repair, progress=bar.update)
    _print_summary(state, report, len(copies), time.monotonic() - started)
    repaired = {(c.target.storage_key, c.copy) for c in report.repaired}
    left = [c for c in report.faulty if (c.target.storage_key, c.copy) not in repaired]
    sys.exit(1 if left or report.errors else 0)


def _print_summary(state: CliState, report, copies: int, seconds: float) -> None:
    from archive.preservation import MISMATCH, MISSING, OK

    click.echo(_("Checked %(objects)s originals (%(copies)s copies each), %(mb)s MB read in "
                 "%(seconds)s s; copies: %(ok)s ok, %(mismatch)s mismatch, %(missing)s "
                 "missing, %(errors)s unreadable") % {
        "objects": format_number(report.objects, state.lang), "copies": copies,
        "mb": _mb(state, report.bytes_read),
        "seconds": format_number(round(seconds, 1), state.lang),
        "ok": format_number(report.count(OK), state.lang),
        "mismatch": format_number(report.count(MISMATCH), state.lang),
        "missing": format_number(report.count(MISSING), state.lang),
        "errors": format_number(len(report.errors), state.lang)})
    if report.faulty:
        click.echo(_("Faulty files:"))
        for check in report.faulty:
            for line in _file_lines(state, check):
                click.echo(line)
    for check in report.errors:
        click.echo(_("  %(copy)s copy of %(key)s could not be read: %(reason)s")
                   % {"copy": _(check.copy), "key": check.target.storage_key,
                      "reason": check.error})
    for check in report.repaired:
        click.echo(_("Repaired: %(copy)s copy of %(key)s") % {"copy": _(check.copy),
                                                               "key": check.target.storage_key})
    for target in report.unrepairable:
        click.echo(_("Not repairable, no whole copy left: %(key)s (reported, nothing "
                     "was written)") % {"key": target.storage_key})


def _file_lines(state: CliState, check) -> list[str]:
    found = (_("missing") if check.found.missing else
             _("found sha256 %(sha)s, %(size)s bytes") % {
                 "sha": check.found.sha256, "size": format_number(check.found.size, state.lang)})
    lines = []
    for ref in check.target.files or [None]:
        where = (_("product %(id)s «%(title)s», file %(file)s %(name)s") % {
            "id": ref.product_id, "title": ref.product_title, "file": ref.file_id,
            "name": ref.filename}) if ref else _("no catalogue file")
        lines.append(f"  {where} — {_(check.copy)} {_(check.verdict)} ({found}) — "
                     f"{check.target.storage_key}")
    return lines


@click.command("replicate")
@pass_state
@handle_errors
def replicate_cmd(state: CliState) -> None:
    """Copy to the replica every original it lacks (resumable: run it again after a stop)."""
    from sqlalchemy import distinct, func, select

    from app.services.preservation import replication
    from archive.models import File

    kho = state.kho()
    with kho.transaction() as session:
        total = session.scalar(select(func.count(distinct(File.storage_key)))) or 0
    with click.progressbar(length=max(total, 1), label=_("Replicating"), file=sys.stderr) as bar:
        report = replication.replicate_all(kho, progress=bar.update)
    click.echo(_("Replica: %(copied)s originals copied, %(present)s already there, "
                 "%(refused)s refused") % {"copied": report.copied, "present": report.present,
                                          "refused": len(report.refused)})
    for key in report.refused:
        click.echo(_("  not copied, the primary copy is not whole (run kho fixity --repair): %s")
                   % key)
    sys.exit(1 if report.refused else 0)


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="New folder for the backup.")
@pass_state
@handle_errors
def backup_cmd(state: CliState, out: Path) -> None:
    """Back up the catalogue while Kho runs: database snapshot, settings without
    secrets, manifest with checksums. Originals stay in storage (the replica is
    their backup)."""
    from app.services.preservation import backup

    report = backup.backup(state.kho(), out)
    click.echo(_("Backup of %(products)s products and %(files)s files (%(database)s) in "
                 "%(folder)s") % {"products": report.products, "files": report.files,
                                 "database": report.database, "folder": report.folder})


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@pass_state
@handle_errors
def restore_cmd(state: CliState, folder: Path) -> None:
    """Restore a catalogue backup into this instance's empty database; then run
    `kho init` and `kho reindex`."""
    from app.services.preservation import backup

    report = backup.restore(state.kho(require_secret=False), folder)
    click.echo(_("Restored %(products)s products and %(files)s files (schema %(schema)s)")
               % {"products": report.products, "files": report.files,
                  "schema": report.schema_revision})
    click.echo(_("Next: kho init, then kho reindex, then kho fixity --all"))
