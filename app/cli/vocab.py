"""``kho vocab list``: the controlled vocabularies."""
from __future__ import annotations

import click

from app.cli.common import CliState, handle_errors, pass_state


@click.group("vocab")
def vocab_group() -> None:
    """Show the controlled vocabularies."""


@vocab_group.command("list")
@click.argument("kind", required=False)
@pass_state
@handle_errors
def vocab_list(state: CliState, kind: str | None) -> None:
    """List entries of vocabulary KIND, or the names of all vocabularies.

    KIND: kinds, themes, conventions, languages, channels, plan_tasks, communes, units,
    activity_kinds, target_groups.
    """
    from app.services.catalogue import vocabularies

    if not kind:
        for name in vocabularies.vocabulary_names():
            click.echo(name)
        return
    for entry in vocabularies.list_vocabulary(state.kho(), kind):
        flags = " ".join(f"{k}={v}" for k, v in entry.flags.items()
                         if v not in (None, False, [], ""))
        click.echo(f"{entry.code}\t{entry.label(state.lang)}" + (f"\t{flags}" if flags else ""))
