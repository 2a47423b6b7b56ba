"""Editing product metadata (producer, admin) and deleting a product (admin, with a
confirmation step). The services record who changed what and keep an audit record."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services.catalogue import products
from app.services.catalogue.suggestions import dismiss
from app.web.common import current_actor, error_message, kho, signed_in
from app.web.forms import form_errors, form_values, metadata_from_form, pickers
from app.web.labels import label, suggestion_label
from app.web.views import broadcasts_of_product, product_view
from archive.errors import Conflict, PreconditionFailed, ValidationError

bp = Blueprint("edit", __name__)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_product(product_id: int):
    actor = current_actor()
    actor.require("product.edit")
    product = product_view(product_id)
    errors: dict = {}
    stale = False
    if request.method == "POST":
        try:
            changes = products.update_product(kho(), actor, product_id,
                                              metadata_from_form(request.form),
                                              if_version=_form_version())
        except ValidationError as exc:
            errors = form_errors(exc.fields)
        except PreconditionFailed:
            stale = True         # someone saved first: show what is there now
            product = product_view(product_id)
        else:
            flash(_("Saved %(n)d change(s).", n=len(changes)) if changes
                  else _("Nothing changed."), "ok")
            _say_successor(request.form.get("lead_unit", ""), changes)
            return redirect(url_for("product.product_page", product_id=product_id))
    values = form_values(product, request.form if errors else None)
    status = 409 if stale else 422 if errors else 200
    # after a refused field the form keeps the version it was opened at, so the next
    # save still notices an edit made meanwhile
    version = _form_version() if errors and _form_version() is not None else product["version"]
    return render_template("product_edit.html", p=product, v=values, errors=errors,
                           stale=stale, version=version, pickers=pickers()), status


def _say_successor(picked: str, changes: dict) -> None:
    """Tell the editor when the lead unit they picked was saved as its successor (it
    no longer existed on the production date)."""
    saved = (changes.get("lead_unit") or [None, None])[1]
    if picked and saved and saved != picked:
        flash(_("The lead unit %(old)s no longer existed on the production date; its "
                "successor %(new)s was saved.", old=label("lead_unit", picked),
                new=label("lead_unit", saved)), "ok")


def _form_version() -> int | None:
    """The product version the form was opened at (hidden field ``version``); a form
    without one (an old page) saves over whatever is there, as before."""
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@bp.route("/products/<int:product_id>/delete", methods=["GET", "POST"])
@signed_in
def delete_product(product_id: int):
    """GET asks for confirmation; POST with ``confirm=yes`` deletes.

    A product logged as aired cannot be deleted (its broadcasts count in the yearly
    report): the page says so before anyone tries, without a delete button, and a
    POST refused for that reason (a log added meanwhile) shows the same page (409).
    """
    actor = current_actor()
    actor.require("product.delete")
    product = product_view(product_id)
    aired = len(broadcasts_of_product(product_id))
    if request.method == "POST" and request.form.get("confirm") == "yes" and not aired:
        try:
            products.delete_product(kho(), actor, product_id)
        except Conflict as exc:
            aired = int(exc.params.get("n") or 0) or 1
        else:
            flash(_("Deleted product %(id)d “%(title)s”. An audit record was kept.",
                    id=product_id, title=product["title"]), "ok")
            return redirect(url_for("search.search_page"))
    return render_template("product_delete.html", p=product, aired=aired), \
        (409 if aired and request.method == "POST" else 200)


@bp.route("/products/<int:product_id>/suggestions/dismiss", methods=["POST"])
@signed_in
def dismiss_suggestion(product_id: int):
    """Dismiss one suggested theme/convention (``dismiss=theme:code``) for good: it is
    not suggested again for this product, even after its files are processed again."""
    kind, _sep, code = request.form.get("dismiss", "").partition(":")
    try:
        dismiss(kho(), current_actor(), product_id, kind, code)
    except ValidationError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Dismissed the suggestion %(label)s: it will not be suggested again for "
                "this product.", label=suggestion_label(kind, code)), "ok")
    endpoint = "upload.upload_page" if request.form.get("back") == "upload" \
        else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))
