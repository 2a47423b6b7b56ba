"""Administration pages: users, API tokens, vocabularies (labels, flags, active, units).

Forms that add something (a user, a term, a unit) show a refused value again with the
problem beside the field it concerns (422), keeping what was typed (never a password);
a refused term or unit row keeps what was typed in its row with "Field: problem"; user
rows report a problem as a flash naming the account and the field; the focus goes to
the problem after a refusal. A save says what it changed, naming the thing by its label
(app.web.changes). A vocabulary's address is its name as ``kho vocab list`` says it
(``/admin/vocabularies/themes``; the singular of older links still answers). Revoking a
token asks first on a page of its own (no JavaScript needed).
"""
from __future__ import annotations

from flask import (Blueprint, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from app.services.catalogue.vocabularies import NAMES, vocabulary_names
from app.web.changes import term_saved, unit_saved, user_saved
from app.web.common import (SESSION_STAMP, current_actor, error_fields, error_message, kho,
                            signed_in)
from app.web.labels import forget
from archive.errors import KhoError
from archive.models import ROLES, VOCABULARIES

bp = Blueprint("admin", __name__, url_prefix="/admin")

VOCABULARY_TITLES = {"kind": "Kinds", "theme": "Themes", "convention": "Conventions",
                     "language": "Languages", "channel": "Channels", "plan_task": "Plan tasks",
                     "activity_kind": "Activity kinds", "target_group": "Target groups",
                     "access_level": "Access levels", "consent_use": "Consent uses"}
# a vocabulary's address says it as `kho vocab list` does (/admin/vocabularies/themes);
# the singular names of older addresses (/admin/vocabularies/theme) still answer
URL_NAMES = {NAMES[name]: name for name in vocabulary_names() if NAMES[name] in VOCABULARIES}
DEFAULT_ROLE = "commune"     # the least privileged role: restricted products stay hidden
USER_FIELDS = ("username", "display_name", "role", "unit")
UNIT_FIELDS = ("code", "name", "level", "gso_code", "parent", "valid_from", "valid_to",
               "successor")
# a unit row's letterhead fields (the yearly report's issuer, place, signer, recipient)
LETTERHEAD_FIELDS = ("letterhead_name", "place_name", "signer_title", "signer_name",
                     "reports_to")


def field_labels() -> dict[str, str]:
    """The label each form field shows, to name it in a message."""
    return {"username": _("User name"), "display_name": _("Full name"), "role": _("Role"),
            "commune": _("Commune"), "unit": _("Unit"), "password": _("Password"),
            "user": _("User"),
            "token": _("Token"), "label": _("Label"), "code": _("Code"),
            "label_vi": _("Vietnamese label"), "label_en": _("English label"),
            "name": _("Name"), "level": _("Kind of unit"), "gso_code": _("GSO code"),
            "parent": _("Parent unit"), "valid_from": _("Valid from"),
            "valid_to": _("Valid to"), "successor": _("Replaced by (successor)"),
            "letterhead_name": _("Name on documents"),
            "place_name": _("Place on documents"), "signer_title": _("Signer's title"),
            "signer_name": _("Signer's name"), "reports_to": _("Reports go to"),
            "consolidates": _("Collects the yearly contributions of the units beneath it"),
            "vocabulary": _("Vocabularies")}


def flag_labels() -> dict[str, str]:
    """Counting flags of terms, as their checkboxes say them."""
    return {"ethnic_minority": _("Ethnic-minority language (counts towards the "
                                 "ethnic-language target)"),
            "foreign": _("Foreign language"),
            "digital_platform": _("Digital platform (counts towards the digital "
                                  "target)")}


def _flash_error(exc: KhoError, row: str = "", **labels: str) -> None:
    """A refused row edit as a flash: "row · Field: problem" (``labels`` name the
    fields of this form that read otherwise than in :func:`field_labels`)."""
    if exc.code in ("forbidden", "not_found"):
        raise exc
    label = (field_labels() | labels).get(exc.field or "", "")
    text = f"{label}: {error_message(exc)}" if label else error_message(exc)
    flash(f"{row} · {text}" if row else text, "error")


def _row_refused(exc: KhoError, values: dict) -> dict:
    """A refused row edit shown in its row: what was typed and "Field: problem"."""
    if exc.code in ("forbidden", "not_found"):
        raise exc
    label = field_labels().get(exc.field or "", "")
    problem = error_message(exc)
    return {**values, "error": f"{label}: {problem}" if label else problem}


def _refused(exc: KhoError) -> dict[str, str]:
    """Per-field messages of a refused add form (forbidden and not-found propagate)."""
    if exc.code in ("forbidden", "not_found"):
        raise exc
    return error_fields(exc) or {"": error_message(exc)}


@bp.route("/")
@signed_in
def home():
    current_actor().require("user.manage")
    return redirect(url_for("admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@signed_in
def users():
    from app.services.access import account_admin

    actor = current_actor()
    errors: dict[str, str] = {}
    new = {"role": DEFAULT_ROLE}
    if request.method == "POST":
        form = request.form
        new = {name: form.get(name, "") for name in USER_FIELDS}
        new["unit"] = new["unit"] or form.get("commune", "")    # the field's older name
        try:
            info = account_admin.add_user(kho(), actor, new["username"], new["role"],
                                  form.get("password", ""), unit=new["unit"],
                                  display_name=new["display_name"])
        except KhoError as exc:
            errors = _refused(exc)
            if "commune" in errors:          # this form has one field for both
                errors["unit"] = errors.pop("commune")
        else:
            flash(_("User %(name)s added.", name=info.username), "ok")
            return redirect(url_for("admin.users"))
    units = account_admin.unit_choices(kho(), actor)
    return render_template("admin_users.html", users=account_admin.list_users(kho(), actor),
                           roles=ROLES, unit_groups=units, new=new, errors=errors,
                           labels=field_labels(), level_labels=level_labels(),
                           current_units={code for _level, rows in units for code, _n in rows}
                           ), 422 if errors else 200


def level_labels() -> dict[str, str]:
    """Kinds of unit, as the users page groups them."""
    return {"national": _("National level"), "province": _("Province level"),
            "district": _("District level"), "district-office": _("District office"),
            "district-organisation": _("District organisation"),
            "commune": _("Commune level")}


def _username(user_id: int) -> str:
    """The login name of user ``user_id`` ("" if none), to name the row in a message."""
    from app.services.access import account_admin

    return next((u.username for u in account_admin.list_users(kho(), current_actor())
                 if u.id == user_id), "")


@bp.route("/users/<int:user_id>", methods=["POST"])
@signed_in
def update_user(user_id: int):
    from app.services.access import account_admin

    form = request.form
    try:
        change = account_admin.change_user(kho(), current_actor(), user_id,
                                           role=form.get("role") or None,
                                           active=form.get("active") == "on",
                                           unit=form.get("unit"), commune=form.get("commune"))
    except KhoError as exc:
        _flash_error(exc, _username(user_id))
    else:
        flash(user_saved(change, {r: _(r) for r in ROLES}), "ok")
    return redirect(url_for("admin.users") + f"#user-{user_id}")


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@signed_in
def set_password(user_id: int):
    """An admin sets a new password; the user's browser sessions are signed out."""
    from app.services.access import accounts
    from app.services.access import account_admin

    actor = current_actor()
    try:
        info = account_admin.set_password(kho(), actor, user_id, request.form.get("password", ""))
    except KhoError as exc:
        _flash_error(exc, _username(user_id), password=_("New password"))
    else:
        if user_id == actor.user_id:     # one's own password: keep this session
            session[SESSION_STAMP] = accounts.session_stamp_of(kho(), user_id)
        flash(_("New password set for %(name)s. Their browser sessions are signed out; "
                "their API tokens still work.", name=info.username), "ok")
    return redirect(url_for("admin.users") + f"#user-{user_id}")


@bp.route("/tokens", methods=["GET", "POST"])
@signed_in
def tokens():
    from app.services.access import accounts
    from app.services.access import account_admin

    actor = current_actor()
    new_token = ""
    if request.method == "POST":
        try:
            new_token = account_admin.create_token(kho(), actor, request.form.get("username", ""),
                                           request.form.get("label", ""))
        except KhoError as exc:
            _flash_error(exc)
    response = render_template("admin_tokens.html", tokens=account_admin.list_tokens(kho(), actor),
                               users=accounts.list_users(kho()), new_token=new_token)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@signed_in
def revoke_token(token_id: int):
    """GET (or a POST without ``confirm=yes``) asks first; POST ``confirm=yes`` revokes."""
    from app.services.access import account_admin

    actor = current_actor()
    if request.method == "POST" and request.form.get("confirm") == "yes":
        account_admin.revoke_token(kho(), actor, token_id)
        flash(_("Token revoked."), "ok")
        return redirect(url_for("admin.tokens"))
    return render_template("admin_token_revoke.html", t=account_admin.token_info(kho(), actor, token_id))


@bp.route("/vocabularies")
@signed_in
def vocabularies():
    current_actor().require("vocabulary.edit")
    names = [(URL_NAMES[v], _(VOCABULARY_TITLES[v])) for v in VOCABULARIES]
    return render_template("admin_vocabularies.html", names=names)


def _flags_of(form, name: str) -> dict[str, bool]:
    from app.services.catalogue.vocabulary_admin import FLAGS

    return {flag: form.get(flag) == "on" for flag in FLAGS.get(name, ())}


@bp.route("/vocabularies/<address>", methods=["GET", "POST"])
@signed_in
def vocabulary(address: str):
    """One vocabulary's terms; ``address`` is its name as the CLI says it (``themes``)
    or, for older links, the singular (``theme``). ``units`` and ``communes`` are the
    units page."""
    from app.services.catalogue import vocabulary_admin as vocab

    actor = current_actor()
    actor.require("vocabulary.edit")
    if NAMES.get(address) in ("units", "communes"):
        return redirect(url_for("admin.units", level="commune" if address == "communes"
                                else None))
    name = NAMES.get(address, address)      # unknown: NotFound from the service
    errors: dict[str, str] = {}
    new: dict = {}
    row: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "add":
                new = {k: form.get(k, "") for k in ("code", "label_vi", "label_en")} | \
                    {"flags": _flags_of(form, name)}
                added = vocab.add_term(kho(), actor, name, new["code"],
                                       label_vi=new["label_vi"], label_en=new["label_en"],
                                       flags=new["flags"])
                message = _("Added the entry «%(name)s».", name=added.label_vi)
            else:
                message = term_saved(vocab.update_term(
                    kho(), actor, name, form.get("code", ""), label_vi=form.get("label_vi"),
                    label_en=form.get("label_en"), active=form.get("active") == "on",
                    flags=_flags_of(form, name)))
        except KhoError as exc:
            if form.get("action") == "add":
                errors = _refused(exc)
            else:
                row = _row_refused(exc, {k: form.get(k, "") for k in
                                         ("code", "label_vi", "label_en")}
                                   | {"active": form.get("active") == "on",
                                      "flags": _flags_of(form, name)})
        else:
            forget()
            flash(message, "ok")
            anchor = f"#term-{form.get('code', '')}" if form.get("action") != "add" else ""
            return redirect(url_for("admin.vocabulary", address=URL_NAMES.get(name, name))
                            + anchor)
    terms = vocab.list_terms(kho(), actor, name)
    return render_template("admin_terms.html", address=URL_NAMES.get(name, name),
                           terms=terms, new=new, row=row,
                           errors=errors, labels=field_labels(), flag_labels=flag_labels(),
                           flags=vocab.FLAGS.get(name, ()),
                           title=_(VOCABULARY_TITLES.get(name, name))), \
        422 if errors or row else 200


@bp.route("/units", methods=["GET", "POST"])
@signed_in
def units():
    from app.services.catalogue import vocabulary_admin as vocab

    actor = current_actor()
    level = request.args.get("level") or None
    errors: dict[str, str] = {}
    new: dict = {}
    row: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "add":
                new = {k: form.get(k, "") for k in UNIT_FIELDS}
                added = vocab.add_unit(kho(), actor, new["code"],
                                       **{k: v for k, v in new.items() if k != "code"})
                message = _("Added the unit «%(name)s».", name=added.label_vi)
            else:
                message = unit_saved(vocab.update_unit(
                    kho(), actor, form.get("code", ""), name=form.get("name"),
                    valid_from=form.get("valid_from"), valid_to=form.get("valid_to"),
                    successor=form.get("successor"),
                    consolidates=(form.get("consolidates") == "1"
                                  if "letterhead_name" in form else None),
                    **{k: form.get(k) for k in LETTERHEAD_FIELDS}))
        except KhoError as exc:
            if form.get("action") == "add":
                errors = _refused(exc)
            else:
                row = _row_refused(exc, {k: form.get(k, "") for k in
                                         ("code", "name", "valid_from", "valid_to",
                                          "successor") + LETTERHEAD_FIELDS
                                          + ("consolidates",)})
        else:
            forget()
            flash(message, "ok")
            anchor = f"#unit-{form.get('code', '')}" if form.get("action") != "add" else ""
            return redirect(url_for("admin.units", level=level or "") + anchor)
    rows = vocab.list_units(kho(), actor, level)
    everything = rows if level is None else vocab.list_units(kho(), actor)
    return render_template("admin_units.html", units=rows, level=level or "",
                           all_units=everything, new=new, errors=errors, row=row,
                           labels=field_labels(), kinds=vocab.unit_levels(kho(), actor),
                           levels=sorted({u["level"] for u in everything})
                           ), 422 if errors or row else 200
