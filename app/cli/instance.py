"""``kho init`` and ``kho check``: create, upgrade and check an instance."""
from __future__ import annotations

import sys

import click

from app.cli.common import CliState, _, handle_errors, message, pass_state


@click.command("init")
@pass_state
@handle_errors
def init_cmd(state: CliState) -> None:
    """Create or upgrade the instance: secret, schema, storage, index, vocabularies.

    Safe to run again: it only adds what is missing.
    """
    from app.services.instance import setup

    kho = state.kho(require_secret=False)
    if setup.ensure_secret(kho.settings):
        click.echo(_("Wrote a new secret key to %s") % (kho.settings.instance / "kho.toml"))
    report = setup.init_instance(kho)
    click.echo(_("Database: %s") % report.database)
    click.echo(_("Storage: %s") % report.storage)
    click.echo(_("Search index: %s") % report.index)
    if report.reindexed is not None:
        click.echo(_("Search index rebuilt for this version of Kho: %d products") % report.reindexed)
    added = sum(report.seeded.values())
    click.echo(_("Vocabularies: %d entries added") % added)
    from app.services.instance import jobs

    from app.services.common import leftovers

    removed = leftovers.clean(kho)   # spool and partial files of killed processes
    if removed.count:
        click.echo(_("Removed %(n)d leftovers of stopped processes (%(size)d bytes)")
                   % {"n": removed.count, "size": removed.size})
    if removed.uploads:
        click.echo(_("Aborted %d incomplete S3 uploads of stopped processes")
                   % len(removed.uploads))
    sent = jobs.send_waiting(kho)    # jobs a queue outage left in the outbox
    if sent:
        click.echo(_("Re-queued %d unfinished jobs") % sent)
    click.echo(_("Kho is ready."))


@click.command("check")
@pass_state
@handle_errors
def check_cmd(state: CliState) -> None:
    """Check that the database, storage, index and queue answer, and report faulty
    copies of originals and the replica's lag ("degraded"; exit 1)."""
    from app.services.instance import setup

    kho = state.kho()
    results = setup.health(kho)
    for name, status in results.items():
        click.echo(f"{name}: {message(status)}")
    if results.get("database") == "ok":
        _report_left_behind(kho)
    if any(v != "ok" for v in results.values()):
        sys.exit(1)


def _report_left_behind(kho) -> None:
    """Leftovers of killed processes and jobs waiting for the queue: reported, not
    failures (start-up of init, serve and worker deals with them)."""
    from app.services.common import leftovers
    from app.services.common import outbox

    found = leftovers.find(kho)
    click.echo(_("leftovers: %(n)d files of stopped processes older than an hour "
                 "(%(size)d bytes); kho init, serve and worker remove them")
               % {"n": found.count, "size": found.size} if found.count else
               _("leftovers: none") if not found.uploads else
               _("leftovers: no files of stopped processes"))
    for _store, upload in found.uploads:
        click.echo(_("leftovers: incomplete S3 upload of %(key)s (%(size)d bytes, "
                     "upload %(id)s); kho init, serve and worker abort it")
                   % {"key": upload.key, "size": upload.size, "id": upload.upload_id})
    waiting = outbox.waiting(kho)
    if waiting:
        click.echo(_("outbox: %d jobs wait for the job queue") % waiting)
