"""``kho ingest``: bulk digitisation of folders, with or without a manifest."""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import click

from app.cli.common import CliState, _, handle_errors, message, pass_state

MAX_LISTED_FAILURES = 50  # failed rows printed in the summary; the QC report has them all
QC_COLUMNS = ("level", "row", "title", "file", "outcome", "product_id", "file_id", "sha256",
              "message")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", "manifest", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="CSV or XLSX sheet, one row per product (see docs/MANIFEST.md).")
@click.option("--as", "username", metavar="USER",
              help="Act as this producer or admin (default: the first admin).")
@click.option("--dry-run", is_flag=True,
              help="Check the manifest, vocabularies and files; store nothing.")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the QC report (CSV). Default: beside the manifest, "
                   "or ./kho-ingest-<time>.qc.csv.")
@pass_state
@handle_errors
def ingest_cmd(state: CliState, paths: tuple[Path, ...], manifest: Optional[Path],
               username: Optional[str], dry_run: bool, report: Optional[Path]) -> None:
    """Ingest the files under PATHS (folders are walked recursively, hidden files skipped).

    With --manifest each row becomes a product with the files it names; without, each
    file becomes a product titled after its name. Running it again skips what is in and
    finishes what is not. Exit code: 0 all rows ok or skipped, 1 some row failed
    (or Ctrl-C), 2 usage error.
    """
    from app.services.files import bulk_ingest

    kho = state.kho()
    actor = bulk_ingest.ingest_actor(kho, username)
    batch = bulk_ingest.prepare(paths, manifest, skip=bulk_ingest.kho_folders(kho))
    label = _("Checking") if dry_run else _("Ingesting")
    with click.progressbar(length=len(batch.rows), label=label,
                           file=sys.stderr) as bar:
        result = bulk_ingest.run(kho, actor, batch, dry_run=dry_run, on_row=lambda _row: bar.update(1))
    written = write_qc_report(result, (report or default_report_path(manifest)).absolute())
    _print_summary(result, written)
    if result.interrupted:
        click.echo(_("Interrupted after %(done)d of %(total)d rows; run the same command "
                     "again to finish.") % {"done": len(result.rows), "total": len(batch.rows)},
                   err=True)
    if result.row_count("failed") or result.interrupted:
        sys.exit(1)


def default_report_path(manifest: Optional[Path]) -> Path:
    """``<manifest name>.qc.csv`` beside the manifest, else ``./kho-ingest-<UTC time>.qc.csv``."""
    if manifest is not None:
        return manifest.with_name(manifest.stem + ".qc.csv")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"kho-ingest-{stamp}.qc.csv"


def write_qc_report(result, path: Path) -> Path:
    """Write the QC report: CSV in UTF-8 with BOM (so Excel shows Vietnamese), one line
    per warning, per row and per file, every text cell neutralised as the exports' are
    (``app.services.common.spreadsheet_cells``). Written under a temporary name, then
    moved."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    from app.services.common.spreadsheet_cells import NeutralCsvWriter

    with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
        writer = NeutralCsvWriter(out)      # a title "=HYPERLINK(…)" stays text
        writer.writerow(QC_COLUMNS)
        for warning in result.warnings:
            writer.writerow(["manifest", "", "", "", "warning", "", "", "", message(warning)])
        for r in result.rows:
            writer.writerow(["row", r.number or "", r.title, "", r.outcome, r.product_id or "",
                             "", "", message(r.message)])
            for f in r.files:
                writer.writerow(["file", r.number or "", r.title, f.path, f.outcome,
                                 r.product_id or "", f.file_id or "", f.sha256,
                                 message(f.message)])
        for f in result.unlisted:
            writer.writerow(["file", "", "", f.path, f.outcome, "", "", "", message(f.message)])
    os.replace(tmp, path)
    return path


def _print_summary(result, report: Path) -> None:
    if result.dry_run:
        click.echo(_("Dry run: nothing was stored."))
    click.echo(_("Rows: %(ok)d ok, %(failed)d failed, %(skipped)d skipped") % {
        "ok": result.row_count("ok"), "failed": result.row_count("failed"),
        "skipped": result.row_count("skipped")})
    click.echo(_("Files: %(ok)d stored, %(dup)d duplicates, %(failed)d failed, "
                 "%(skipped)d skipped") % {
        "ok": result.file_count("ok"), "dup": result.file_count("duplicate"),
        "failed": result.file_count("failed"), "skipped": result.file_count("skipped")})
    for warning in result.warnings:
        click.echo(_("Warning: %s") % message(warning))
    failed = [r for r in result.rows if r.outcome == "failed"]
    for row in failed[:MAX_LISTED_FAILURES]:
        click.echo(f"  {message(row.message)}")
    if len(failed) > MAX_LISTED_FAILURES:
        click.echo(_("  ... and %d more (see the QC report)") % (len(failed) - MAX_LISTED_FAILURES))
    click.echo(_("QC report: %s") % report)
