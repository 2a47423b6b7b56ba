"""Sign in, sign out and the language switch."""
from __future__ import annotations

from flask import (Blueprint, current_app, g, make_response, redirect, render_template,
                   request, session, url_for)

from app.i18n import LOCALE_COOKIE, LOCALES
from app.web.common import (SESSION_STAMP, SESSION_TOKEN, current_actor, error_message, kho,
                            safe_next)
from archive.errors import AuthenticationRequired

bp = Blueprint("auth", __name__)


def _limiter():
    from app.services.access.sign_in_limit import LoginRateLimiter

    app = current_app._get_current_object()
    if "kho_login_limiter" not in app.extensions:
        app.extensions["kho_login_limiter"] = LoginRateLimiter(
            kho(), kho().settings.login_rate_limit)
    return app.extensions["kho_login_limiter"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    from app.services.access import accounts
    from app.services.access.sign_in_limit import TooManyAttempts

    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_actor() is not None:
            return redirect(target)
        return render_template("login.html", next=target, username="", error="",
                               error_field="")
    username = request.form.get("username", "").strip()
    address = request.remote_addr or "-"
    limiter = _limiter()
    try:
        limiter.attempt(address, username)     # counted before the password is checked
        actor, stamp = accounts.sign_in(kho(), username, request.form.get("password", ""))
    except TooManyAttempts as exc:
        return render_template("login.html", next=target, username=username,
                               error=error_message(exc), error_field=""), 429
    except AuthenticationRequired as exc:      # the attempt stays counted as a failure
        return render_template("login.html", next=target, username=username,
                               error=error_message(exc), error_field=exc.field or ""), 401
    limiter.succeeded(address, username)
    from app.services.access.browser_sessions import open_session

    session.clear()
    session["uid"] = actor.user_id
    session[SESSION_STAMP] = stamp
    session[SESSION_TOKEN] = open_session(kho(), actor.user_id)
    g.pop("actor", None)
    response = make_response(redirect(target))
    chosen = accounts.locale_of(kho(), actor.user_id)
    if chosen and not request.cookies.get(LOCALE_COOKIE):  # a device without a choice yet
        _remember_language(response, chosen)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the server forgets this browser session, so its cookie is worthless."""
    from app.services.access.browser_sessions import close_session

    close_session(kho(), session.get(SESSION_TOKEN))
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def choose_language(code: str):
    """Remember the chosen language (cookie; and the account, when signed in); go back.

    The account keeps it so that signing in on another device brings it along.
    """
    from app.services.access import accounts

    response = make_response(redirect(safe_next(request.args.get("next"), "/")))
    if code in LOCALES:
        _remember_language(response, code)
        actor = current_actor()
        if actor is not None:
            accounts.set_locale(kho(), actor, code)
    return response


def _remember_language(response, code: str) -> None:
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=request.is_secure)


def index():
    """``/``: the search page for a signed-in user, else the sign-in page."""
    return redirect(url_for("search.search_page") if current_actor() else
                    url_for("auth.login"))
