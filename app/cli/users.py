"""``kho user ...``: accounts, passwords and API tokens."""
from __future__ import annotations

import sys

import click

from app.cli.common import CliState, _, handle_errors, pass_state


@click.group("user")
def user_group() -> None:
    """Manage user accounts and API tokens."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="admin, producer, commune or office.")
@click.option("--commune", "commune", metavar="CODE",
              help="Commune unit code or GSO code (required for role commune).")
@click.option("--unit", "unit", metavar="CODE",
              help="Unit the account belongs to (unit code, existing today): an office "
                   "account with a unit sees only its unit's part.")
@click.option("--display-name", default="", help="Full name shown in the interface.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_state
@handle_errors
def user_add(state: CliState, name: str, role: str, commune: str | None, unit: str | None,
             display_name: str, password_stdin: bool) -> None:
    """Add a user NAME with a ROLE (password asked at a prompt)."""
    from app.services.access import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    info = accounts.add_user(state.kho(), name, role, password, commune=commune, unit=unit,
                             display_name=display_name)
    where = f" ({info.unit_name})" if info.unit_name else ""
    click.echo(_("User %(name)s added with role %(role)s") % {"name": info.username,
                                                             "role": info.role} + where)


@user_group.command("unit")
@click.argument("name")
@click.argument("code")
@pass_state
@handle_errors
def user_unit(state: CliState, name: str, code: str) -> None:
    """Set the unit user NAME belongs to (a unit code existing today; "-" for none).

    An office account with a unit sees only its unit's part; the change is audited.
    """
    from app.services.access import account_admin, accounts
    from app.services.access.actors import SYSTEM

    kho = state.kho()
    user = accounts.actor_by_name(kho, name)
    info = account_admin.update_user(kho, SYSTEM, user.user_id,
                                     unit="" if code == "-" else code)
    click.echo(_("%(name)s now belongs to %(unit)s") % {
        "name": info.username, "unit": info.unit_name or "-"})


@user_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input.")
@pass_state
@handle_errors
def user_password(state: CliState, name: str, password_stdin: bool) -> None:
    """Set a new password for user NAME (asked at a prompt), e.g. a forgotten one.

    NAME's browser sessions are signed out; their API tokens stay valid.
    """
    from app.services.access import accounts
    from app.services.access import account_admin
    from app.services.access.actors import SYSTEM

    kho = state.kho()
    user = accounts.actor_by_name(kho, name)     # an unknown NAME fails before the prompt
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("New password"), hide_input=True, confirmation_prompt=True)
    info = account_admin.set_password(kho, SYSTEM, user.user_id, password)
    click.echo(_("New password set for %s; their browser sessions are signed out.")
               % info.username)


@user_group.command("token")
@click.argument("name")
@click.option("--label", default="", help="A note to tell tokens apart.")
@pass_state
@handle_errors
def user_token(state: CliState, name: str, label: str) -> None:
    """Create a new API token for NAME and print it once."""
    from app.services.access import accounts

    token = accounts.create_token(state.kho(), name, label)
    click.echo(_("New API token (shown only once):"), err=True)
    click.echo(token)


@user_group.command("list")
@pass_state
@handle_errors
def user_list(state: CliState) -> None:
    """List user accounts."""
    from app.services.access import accounts

    for info in accounts.list_users(state.kho()):
        unit = info.unit_code or "-"
        active = "" if info.active else " " + _("(disabled)")
        click.echo(f"{info.username}\t{info.role}\t{unit}\t{info.display_name}{active}")


@user_group.command("bootstrap-admin")
@pass_state
@handle_errors
def user_bootstrap_admin(state: CliState) -> None:
    """Create the first 'admin' account if there is none (used by 'make run')."""
    from app.services.access import accounts

    created, path = accounts.ensure_admin(state.kho())
    if created:
        click.echo(_("Created user 'admin'; its password is in %s") % path)
    else:
        click.echo(_("Sign in as an admin user (first password: %s, if not changed)") % path)
