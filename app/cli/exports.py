"""``kho export`` and ``kho import``: packages for the national shared database,
backups, migrations and merges (see docs/EXPORT.md)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from app.cli.common import CliState, _, handle_errors, pass_state
from app.i18n import format_number

MAX_LISTED = 50          # conflicts / vocabulary entries printed; the rest are counted


@click.command("export")
@click.option("--format", "fmt", required=True, metavar="jsonl|csv|dc-xml|bagit",
              help="Package format: jsonl, csv, dc-xml or bagit.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="File to write (jsonl, csv, dc-xml) or new folder (bagit).")
@click.option("--scope", default="public", show_default=True, metavar="public|all",
              help="public: what OAI-PMH shows (harvestable products only); all: "
                   "everything, with audiences, consents and their forms.")
@click.option("--since", metavar="DATETIME|last",
              help="Only products changed since then; 'last': since the previous export "
                   "of the same format, scope and set.")
@click.option("--set", "set_spec", default="", metavar="SPEC",
              help="Only one set, e.g. kind:radio-feature, language:sed, unit:CODE, year:2024.")
@click.option("--with-derivatives", is_flag=True,
              help="bagit: also carry the derivatives (thumbnails, broadcast MP3 …).")
@click.option("--dates", default="vn", show_default=True, metavar="vn|iso",
              help="csv: dates as dd/mm/yyyy (vn) or ISO 8601 (iso).")
@pass_state
@handle_errors
def export_cmd(state: CliState, fmt: str, out: Path, scope: str, since: Optional[str],
               set_spec: str, with_derivatives: bool, dates: str) -> None:
    """Write the catalogue (or part of it) as a package and record a receipt.

    The package appears under OUT only when it is complete. Exit code: 0 written,
    1 failed, 2 bad option.
    """
    from app.services.exports import packages
    from archive.db import require_current

    kho = state.kho()
    require_current(kho.engine)      # an instance not upgraded: say "run kho init"
    request = packages.ExportRequest(format=fmt.strip().lower(), out=out, scope=scope,
                                    since=since, set_spec=set_spec.strip(),
                                    with_derivatives=with_derivatives, dates=dates)
    plan = packages.plan_export(kho, packages.OPERATOR_ACTOR, request)
    with click.progressbar(length=plan.total, label=_("Exporting"), file=sys.stderr) as bar:
        result = packages.run_export(kho, packages.OPERATOR_ACTOR, plan, progress=bar.update)
    _print_export(result, state.lang)


def _print_export(result, lang: str) -> None:
    since = result.since
    if since.asked == "last" and since.previous is None:
        click.echo(_("No earlier export of this format, scope and set: everything was "
                     "exported."))
    elif since.previous is not None:
        click.echo(_("Continuing receipt %(id)s: products changed after %(at)s.")
                   % {"id": since.previous, "at": since.at.isoformat() if since.at else "-"})
    click.echo(_("Exported %(count)s products to %(path)s")
               % {"count": format_number(result.count, lang), "path": result.path})
    if result.objects:
        click.echo(_("Bag: %(files)s files, %(size)s bytes of payload")
                   % {"files": format_number(result.objects, lang),
                      "size": format_number(result.size, lang)})
    click.echo(_("Receipt %(id)s, SHA-256 %(sha)s") % {"id": result.receipt_id,
                                                       "sha": result.sha256})


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the bag and report; write nothing.")
@click.option("--as", "username", metavar="USER",
              help="Admin recorded as creator of what comes in (default: the operator).")
@pass_state
@handle_errors
def import_cmd(state: CliState, path: Path, dry_run: bool, username: Optional[str]) -> None:
    """Import a BagIt folder written by 'kho export --format bagit'.

    The whole bag is verified first; nothing is written if any file is missing,
    truncated or altered. Products already here are matched, never duplicated;
    conflicting ones are reported and left as they are. Exit code: 0 imported,
    1 some products were not imported (conflicts), 2 bad or damaged bag.
    """
    from app.services.imports import catalogue_import
    from archive.db import require_current

    kho = state.kho()
    require_current(kho.engine)
    actor = catalogue_import.import_actor(kho, username)
    total = _bag_count(path)
    label = _("Checking") if dry_run else _("Importing")
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        report = catalogue_import.import_bag(kho, actor, path, dry_run=dry_run, progress=bar.update)
    _print_import(report, state.lang)
    if report.conflicts:
        sys.exit(1)


def _bag_count(path: Path) -> int:
    """Kho-Record-Count of bag-info.txt, for the progress bar (0 when unreadable: the
    import itself then says what is wrong)."""
    try:
        for line in (path / "bag-info.txt").read_text(encoding="utf-8").splitlines():
            if line.startswith("Kho-Record-Count:"):
                return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return 0


def _listed(title: str, items: list[str]) -> None:
    if not items:
        return
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    click.echo(f"{title}: {shown}" + (f" … (+{more})" if more > 0 else ""))


def _print_import(report, lang: str) -> None:
    def n(value: int) -> str:
        return format_number(value, lang)

    if report.dry_run:
        click.echo(_("Dry run: nothing was written."))
    click.echo(_("Products in the bag: %(n)s; created %(created)s (%(kept)s with their "
                 "ids), already here %(same)s, completed with missing files %(completed)s, "
                 "conflicts %(conflicts)s")
               % {"n": n(report.products), "created": n(report.created),
                  "kept": n(report.kept_ids), "same": n(report.unchanged),
                  "completed": n(report.completed), "conflicts": n(len(report.conflicts))})
    click.echo(_("Originals: %(n)s, derivatives: %(d)s, queued for processing: %(q)s")
               % {"n": n(report.originals), "d": n(report.derivatives), "q": n(report.queued)})
    activities = getattr(report, "activities", None)
    if activities is not None and activities.skipped:
        click.echo(_("Activities: none restored, this instance already has activities"))
    elif activities is not None:
        click.echo(_("Activities: %(n)s, evidence files: %(e)s, people: %(p)s, attendances: "
                     "%(a)s") % {"n": n(activities.activities), "e": n(activities.evidence),
                                 "p": n(activities.rows.get("people", 0)),
                                 "a": n(activities.rows.get("attendances", 0))})
    vocabulary = report.vocabulary
    _listed(_("Terms created"), vocabulary.created_terms)
    _listed(_("Terms mapped"), vocabulary.mapped_terms)
    _listed(_("Units created"), vocabulary.created_units)
    _listed(_("Units mapped"), vocabulary.mapped_units)
    for conflict in report.conflicts[:MAX_LISTED]:
        if conflict.deleted:
            click.echo(_("Conflict: product %(source)s “%(title)s” was deleted here "
                         "(product %(id)s); not brought back")
                       % {"source": conflict.source_id, "title": conflict.title,
                          "id": conflict.product_id})
        else:
            click.echo(_("Conflict: product %(source)s “%(title)s” matches product %(id)s "
                         "here, which differs in %(fields)s; not overwritten")
                       % {"source": conflict.source_id, "title": conflict.title,
                          "id": conflict.product_id, "fields": ", ".join(conflict.fields)})
    if len(report.conflicts) > MAX_LISTED:
        click.echo(_("… and %d more conflicts") % (len(report.conflicts) - MAX_LISTED))
