"""``kho init`` and ``kho check``: create, upgrade and check an instance."""
from __future__ import annotations

import sys

import click

from app.cli.base import CliState, _, handle_errors, message, pass_state


@click.command("init")
@pass_state
@handle_errors
def init_cmd(state: CliState) -> None:
    """Create or upgrade the instance: secret, schema, storage, index, vocabularies.

    Safe to run again: it only adds what is missing.
    """
    from app.services import instance

    kho = state.kho(require_secret=False)
    if instance.ensure_secret(kho.settings):
        click.echo(_("Wrote a new secret key to %s") % (kho.settings.instance / "kho.toml"))
    report = instance.init_instance(kho)
    click.echo(_("Database: %s") % report.database)
    click.echo(_("Storage: %s") % report.storage)
    click.echo(_("Search index: %s") % report.index)
    if report.reindexed is not None:
        click.echo(_("Search index rebuilt for this version of Kho: %d products") % report.reindexed)
    added = sum(report.seeded.values())
    click.echo(_("Vocabularies: %d entries added") % added)
    click.echo(_("Kho is ready."))


@click.command("check")
@pass_state
@handle_errors
def check_cmd(state: CliState) -> None:
    """Check that the database, storage, index and queue answer, and report faulty
    copies of originals and the replica's lag ("degraded"; exit 1)."""
    from app.services import instance

    results = instance.health(state.kho())
    for name, status in results.items():
        click.echo(f"{name}: {message(status)}")
    if any(v != "ok" for v in results.values()):
        sys.exit(1)
