"""Plumbing of the ``kho`` command: its state, language and error handling, and the
shape of a listing (JSON lines or a text line per row; days as dd/mm/yyyy).

Every command parses its arguments, calls one service and prints the outcome. Expected
errors print one line (translated) and exit 1 (failed work) or 2 (usage/config error);
unexpected ones print one line with a hint to rerun with ``--debug``.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Callable, Iterable, Optional

import click

from app import errors as error_table
from app.i18n import gettext_for
from archive.errors import KhoError, render_message


class CliState:
    """Holds the options of the ``kho`` group; builds the Kho runtime on demand."""

    def __init__(self, lang: str, instance: str | None, debug: bool) -> None:
        self.lang = lang
        self.instance = instance
        self.debug = debug
        self._kho = None

    def kho(self, *, require_secret: bool = True):
        if self._kho is None:
            from app.bootstrap import build

            overrides = {"instance_path": self.instance} if self.instance else None
            self._kho = build(overrides, require_secret=require_secret)
        return self._kho

    def _(self, text: str) -> str:
        return gettext_for(self.lang)(text)


def _(text: str) -> str:
    """Translate ``text`` for the current command's language."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx else None
    return state._(text) if state else gettext_for(default_lang())(text)


def message(value: Any) -> str:
    """A report message (``archive.errors.Message``, or text) in the command's language,
    numbers written the language's way."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx else None
    return render_message(value, gettext_for(state.lang if state else default_lang()))


def default_lang() -> str:
    lang = os.environ.get("KHO_LANG") or os.environ.get("KHO_DEFAULT_LOCALE") or "vi"
    return "en" if lang.lower().startswith("en") else "vi"


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one translated line and the table's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(CliState)
        try:
            return fn(*args, **kwargs)
        except KhoError as exc:
            message = exc.render(gettext_for(state.lang if state else default_lang()))
            where = f"{exc.field}: " if exc.field else ""
            click.echo(f"kho: {_('error')}: {where}{message}", err=True)
            sys.exit(error_table.outcome(exc).exit_code)
        except BrokenPipeError:
            _end_quietly_on_closed_pipe()
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
            if state and state.debug:
                raise
            click.echo(f"kho: {_('unexpected error')}: {type(exc).__name__}: {exc}. "
                       f"{_('Rerun with --debug for details.')}", err=True)
            sys.exit(error_table.UNEXPECTED.exit_code)

    return wrapper


def _end_quietly_on_closed_pipe() -> None:
    """The reader of our output went away (``kho vocab list communes | head``): stop
    without a traceback and with status 0, as it got all it asked for.

    Standard output is pointed at /dev/null first, so that Python's final flush of the
    unwritten rest cannot raise again at exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(0)


pass_state = click.make_pass_decorator(CliState)


AS_USER = click.option("--as", "username", metavar="USER",
                       help="Account to act as (default: the system, every unit).")


def actor_for(kho: Any, username: str | None) -> Any:
    """The account ``--as USER`` names (NotFound for an unknown name, which
    handle_errors prints), or the system actor, which sees every unit."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    return accounts.actor_by_name(kho, username) if username else SYSTEM


def day_text(iso: Optional[str]) -> str:
    """An ISO date (or the date of an ISO date-time) as dd/mm/yyyy; "" for None."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else ""


def echo_rows(rows: Iterable[dict], as_json: bool, line: Callable[[dict], str]) -> None:
    """Print each row of a listing: as a JSON line, as the API answers (``--json``), or
    as the text ``line`` makes of it (tab-separated fields)."""
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else line(row))
