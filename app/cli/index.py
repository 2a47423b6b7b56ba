"""``kho reindex``, ``kho retry`` and ``kho sync-index``: maintenance of derived data."""
from __future__ import annotations

import sys

import click

from app.cli.common import CliState, _, handle_errors, message, pass_state


@click.command("reindex")
@click.option("--check", "check_only", is_flag=True,
              help="Only report products missing from or stale in the index.")
@pass_state
@handle_errors
def reindex_cmd(state: CliState, check_only: bool) -> None:
    """Rebuild the search index from the database (the index is derived data)."""
    from sqlalchemy import func, select

    from app.services.search import indexing
    from archive.models import Product

    kho = state.kho()
    if check_only:
        report = indexing.check(kho)
        for name in ("missing", "stale", "orphans"):
            ids = report[name]
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            click.echo(f"{_(name)}: {len(ids)}" + (f" ({shown})" if ids else ""))
        sys.exit(1 if any(report.values()) else 0)
    with kho.transaction() as session:
        total = session.scalar(select(func.count(Product.id)))
    with click.progressbar(length=total, label=_("Indexing"), file=sys.stderr) as bar:
        done = indexing.reindex_all(kho, progress=bar.update)
    click.echo(_("Indexed %d products") % done)


@click.command("retry")
@click.argument("file_ids", nargs=-1, type=int)
@pass_state
@handle_errors
def retry_cmd(state: CliState, file_ids: tuple[int, ...]) -> None:
    """Queue failed files again (FILE_IDS, or every failed file).

    Files named that are not failed are left as they are; an id that is no file is an
    error (exit 2) and nothing is queued.
    """
    from app.services.processing import pipeline

    kho = state.kho()
    ids = pipeline.retry(kho, list(file_ids) if file_ids else None)
    click.echo(_("Queued %d files for processing") % len(ids))
    left = sorted(set(file_ids) - set(ids))
    if left:
        click.echo(_("Not failed, left as they are: %s") % ", ".join(map(str, left)))


@click.command("sync-index")
@click.option("--follow", is_flag=True,
              help="Keep following the writer, every search_sync_seconds, until stopped.")
@pass_state
@handle_errors
def sync_index_cmd(state: CliState, follow: bool) -> None:
    """Search on several machines: a reader copies the writer's newest index generation
    from the object store; the writer publishes its own (search_role)."""
    import time

    from app.services.search import sync
    from archive.errors import KhoError

    kho = state.kho()
    if sync.role(kho) == sync.WRITER:
        sync.after_write(kho, force=True)
        click.echo(_("Search generation %d published") % sync.node_status(kho).generation)
        return
    while True:
        try:
            outcome = sync.follow_once(kho)
        except KhoError as exc:
            if not follow:
                raise
            click.echo(f"kho: {message(exc.text)}", err=True)   # tried again at the next poll
        else:
            click.echo(_("Serving search generation %(generation)d (the writer's newest: "
                         "%(latest)d); %(files)d files copied")
                       % {"generation": outcome.status.generation,
                          "latest": outcome.status.latest_generation,
                          "files": outcome.copied})
        if not follow:
            return
        time.sleep(kho.settings.search_sync_seconds)
