"""The ``kho`` command: the group and its topic modules, assembled here.

Each topic module (``instance``, ``users``, ``vocab``, ``ingest``, ``index``,
``server``…) defines plain click commands on top of :mod:`app.cli.common`; this module
only builds the group and adds them. Commands are thin: they parse arguments, call one
service and print the outcome.
"""
from __future__ import annotations

import click

from app.cli import access
from app.cli import activities
from app.cli import broadcasts
from app.cli import contributions
from app.cli import people
from app.cli import (exports, index, ingest, instance, preservation, report, server, stats, users,
                     vocab)
from app.cli.common import CliState, default_lang


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["vi", "en"]), default=default_lang,
              help="Language of messages (vi or en; default from KHO_LANG).")
@click.option("--instance", metavar="PATH", default=None,
              help="Instance folder (default ./instance or KHO_INSTANCE_PATH).")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.pass_context
def main(ctx: click.Context, lang: str, instance: str | None, debug: bool) -> None:
    """Kho — catalogue and digitisation archive of communication products."""
    ctx.obj = CliState(lang, instance, debug)


for _command in (instance.init_cmd, instance.check_cmd, users.user_group, vocab.vocab_group,
                 ingest.ingest_cmd, index.reindex_cmd, index.retry_cmd, index.sync_index_cmd,
                 server.serve_cmd, server.worker_cmd, preservation.fixity_cmd,
                 preservation.replicate_cmd, preservation.backup_cmd, preservation.restore_cmd,
                 exports.export_cmd, exports.import_cmd, report.report_cmd, stats.stats_cmd):
    main.add_command(_command)
main.add_command(access.access_group)
main.add_command(activities.activity_group)
main.add_command(broadcasts.broadcast_group)
main.add_command(contributions.contribution_group)
main.add_command(people.people_group)
activities.activity_group.add_command(people.import_attendance_cmd)   # kho activity import-attendance
