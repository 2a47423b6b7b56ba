"""Shared page plumbing: the runtime, who is signed in, where to go back, and how an
error reads on a page. Every page area (``app/web/<area>.py``) builds on this module;
role rules live in the services (``Actor.require``), never here.
"""
from __future__ import annotations

import functools
import logging
from datetime import date
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from app.web.formatting import number
from archive.errors import KhoError, render_message

log = logging.getLogger("kho.web")
# what a browser form posts; any other request body comes from a script (the upload
# page's, or an API-like client), which gets its errors as JSON
_FORM_TYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data",
                         "text/plain"})


def kho():
    """The runtime (:class:`app.bootstrap.Kho`) of this app."""
    return current_app.extensions["kho"]


def local_today() -> date:
    """Today where Kho's users are (setting ``timezone``), for what a page prefills or
    shows as an example (placeholders follow the current year, not a year in a file)."""
    from app.services.common.clock import local_today as today_in

    return today_in(kho().settings)


# --- who is signed in --------------------------------------------------------------

SESSION_STAMP = "stamp"   # session key: stamp of the password the user signed in with
SESSION_TOKEN = "sid"     # session key: the browser-session token kept server-side


def current_actor():
    """The signed-in Actor or None.

    A signed-out session (even a replayed copy of its cookie) and a disabled account
    count as signed out, and so does a session opened before the user's password was
    set again (its stamp no longer matches).
    """
    if "actor" not in g:
        from app.services.access.browser_sessions import actor_for_session

        g.actor = actor_for_session(kho(), session.get("uid"), session.get(SESSION_STAMP),
                                    session.get(SESSION_TOKEN))
    return g.actor


def can(action: str) -> bool:
    actor = current_actor()
    return bool(actor and actor.can(action))


def signed_in(view: Callable) -> Callable:
    """Pages for signed-in users: others are sent to the sign-in page."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if current_actor() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None, default: str = "/search") -> str:
    """A local path to go back to (never another site, never a broken header).

    Control characters (a newline would split the ``Location`` header) and
    backslashes (browsers read ``/\\evil.example`` as ``//evil.example``) fall back
    to ``default``.
    """
    if not target or any(ord(c) < 32 or c in "\x7f\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# --- errors as the reader sees them -----------------------------------------------

def wants_json() -> bool:
    """JSON for the API, ``*.json`` routes, clients asking for it, and script-sent
    bodies (e.g. the raw-body upload), whose other errors are JSON too."""
    return request.path.startswith("/api/") or request.path.endswith(".json") or \
        request.accept_mimetypes.best == "application/json" or \
        request.mimetype not in _FORM_TYPES


def error_message(error: KhoError) -> str:
    """The error in the page's language; one about the machine (a storage folder, an
    object key) is logged with the request id and shown in plain words."""
    return _shown(error).render(_, number)


def error_fields(error: KhoError) -> dict[str, str]:
    """The error's per-field messages in the page's language."""
    return _shown(error).render_fields(_, number)


def _shown(error: KhoError) -> KhoError:
    from app.errors import public_error

    if error.private:
        log.warning("request %s: %s", getattr(g, "request_id", "-"), error)
    return public_error(error)


def message_text(value: Any) -> str:
    """A field message (``archive.errors.Message`` or text) in the page's language."""
    return render_message(value, _, number)
