"""Administration pages: users, API tokens, vocabularies (labels, active, units)."""
from __future__ import annotations

from flask import (Blueprint, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from app.web.common import SESSION_STAMP, current_actor, error_message, kho, signed_in
from app.web.labels import choices, forget
from archive.errors import KhoError
from archive.models import ROLES, VOCABULARIES

bp = Blueprint("admin", __name__, url_prefix="/admin")

VOCABULARY_TITLES = {"kind": "Kinds", "theme": "Themes", "convention": "Conventions",
                     "language": "Languages", "channel": "Channels", "plan_task": "Plan tasks"}


def _flash_error(exc: KhoError) -> None:
    if exc.code in ("forbidden", "not_found"):
        raise exc
    flash(error_message(exc), "error")


@bp.route("/")
@signed_in
def home():
    current_actor().require("user.manage")
    return redirect(url_for("admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@signed_in
def users():
    from app.services import admin

    actor = current_actor()
    if request.method == "POST":
        form = request.form
        try:
            info = admin.add_user(kho(), actor, form.get("username", ""), form.get("role", ""),
                                  form.get("password", ""), commune=form.get("commune"),
                                  display_name=form.get("display_name", ""))
        except KhoError as exc:
            _flash_error(exc)
        else:
            flash(_("User %(name)s added.", name=info.username), "ok")
        return redirect(url_for("admin.users"))
    communes = [c for c in choices("communes") if c[2]]
    return render_template("admin_users.html", users=admin.list_users(kho(), actor),
                           roles=ROLES, communes=communes,
                           current_communes={code for code, _name, _current in communes})


@bp.route("/users/<int:user_id>", methods=["POST"])
@signed_in
def update_user(user_id: int):
    from app.services import admin

    form = request.form
    try:
        admin.update_user(kho(), current_actor(), user_id, role=form.get("role") or None,
                          active=form.get("active") == "on", commune=form.get("commune"))
    except KhoError as exc:
        _flash_error(exc)
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@signed_in
def set_password(user_id: int):
    """An admin sets a new password; the user's browser sessions are signed out."""
    from app.services import accounts, admin

    actor = current_actor()
    try:
        info = admin.set_password(kho(), actor, user_id, request.form.get("password", ""))
    except KhoError as exc:
        _flash_error(exc)
    else:
        if user_id == actor.user_id:     # one's own password: keep this session
            session[SESSION_STAMP] = accounts.session_stamp_of(kho(), user_id)
        flash(_("New password set for %(name)s. Their browser sessions are signed out; "
                "their API tokens still work.", name=info.username), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/tokens", methods=["GET", "POST"])
@signed_in
def tokens():
    from app.services import accounts, admin

    actor = current_actor()
    new_token = ""
    if request.method == "POST":
        try:
            new_token = admin.create_token(kho(), actor, request.form.get("username", ""),
                                           request.form.get("label", ""))
        except KhoError as exc:
            _flash_error(exc)
    response = render_template("admin_tokens.html", tokens=admin.list_tokens(kho(), actor),
                               users=accounts.list_users(kho()), new_token=new_token)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id: int):
    from app.services import admin

    admin.revoke_token(kho(), current_actor(), token_id)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("admin.tokens"))


@bp.route("/vocabularies")
@signed_in
def vocabularies():
    current_actor().require("vocabulary.edit")
    names = [(v, _(VOCABULARY_TITLES[v])) for v in VOCABULARIES]
    return render_template("admin_vocabularies.html", names=names)


@bp.route("/vocabularies/<name>", methods=["GET", "POST"])
@signed_in
def vocabulary(name: str):
    from app.services import admin

    actor = current_actor()
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "add":
                admin.add_term(kho(), actor, name, form.get("code", ""),
                               label_vi=form.get("label_vi"), label_en=form.get("label_en"))
            else:
                admin.update_term(kho(), actor, name, form.get("code", ""),
                                  label_vi=form.get("label_vi"), label_en=form.get("label_en"),
                                  active=form.get("active") == "on")
        except KhoError as exc:
            _flash_error(exc)
        else:
            forget()
            flash(_("Saved."), "ok")
        return redirect(url_for("admin.vocabulary", name=name))
    terms = admin.list_terms(kho(), actor, name)
    return render_template("admin_terms.html", name=name, terms=terms,
                           title=_(VOCABULARY_TITLES.get(name, name)))


@bp.route("/units", methods=["GET", "POST"])
@signed_in
def units():
    from app.services import admin

    actor = current_actor()
    if request.method == "POST":
        form = request.form
        try:
            admin.update_unit(kho(), actor, form.get("code", ""), name=form.get("name"),
                              valid_from=form.get("valid_from"), valid_to=form.get("valid_to"),
                              successor=form.get("successor"))
        except KhoError as exc:
            _flash_error(exc)
        else:
            forget()
            flash(_("Saved."), "ok")
        return redirect(url_for("admin.units", level=request.args.get("level", "")))
    level = request.args.get("level") or None
    rows = admin.list_units(kho(), actor, level)
    return render_template("admin_units.html", units=rows, level=level or "",
                           levels=sorted({u["level"] for u in admin.list_units(kho(), actor)}))
