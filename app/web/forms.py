"""The product metadata form: form fields <-> the service's ``data`` dict, and the
picker choices it shows."""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from flask_babel import gettext

from app.web.labels import choices, level_label
from archive.access import LEVELS
from archive.models import ROLES

MULTI_FIELDS = ("languages", "themes", "conventions", "channels", "communes",
                "cooperating_units")
TEXT_FIELDS = ("title", "description", "kind", "plan_task", "lead_unit", "produced_on",
               "tags", "rights_note")
# access (issue 26): the level picked, its audience (units, roles), the embargo date
# (dd/mm/yyyy) and the community-protocol note; sent to the services as ``access``
ACCESS_TEXT = ("access_level", "embargo_until", "protocol_note")
ACCESS_MULTI = ("audience_units", "audience_roles")
# the services' error fields -> the form's fields
ERROR_FIELDS = {"access": "access_level", "access.audience.units": "audience_units",
                "access.audience.roles": "audience_roles"}


def metadata_from_form(form: MultiDict) -> dict:
    """The ``data`` dict for products.create_product / update_product.

    Every field of the form is sent (an empty picker clears the field on edit).
    """
    data: dict = {name: form.get(name, "") for name in TEXT_FIELDS}
    for name in MULTI_FIELDS:
        data[name] = [v for v in form.getlist(name) if v]
    if "access_level" in form:     # a page without the access part changes none of it
        data["access"] = {"level": form.get("access_level") or "public", "audience": {
            "units": [v for v in form.getlist("audience_units") if v],
            "roles": [v for v in form.getlist("audience_roles") if v]}}
    for name in ("embargo_until", "protocol_note"):
        if name in form:
            data[name] = form.get(name, "")
    return data


def form_errors(errors: dict) -> dict:
    """The services' per-field errors keyed by the form's field names."""
    return {ERROR_FIELDS.get(name, name): problem for name, problem in errors.items()}


def form_values(product: dict | None = None, form: MultiDict | None = None) -> dict:
    """Values to pre-fill the form: from a posted form, or from a product view."""
    if form is not None:
        values = metadata_from_form(form)
        values.pop("access", None)
        return values | {name: form.get(name, "") for name in ACCESS_TEXT} | \
            {name: [v for v in form.getlist(name) if v] for name in ACCESS_MULTI}
    if product is None:
        return {name: [] for name in MULTI_FIELDS + ACCESS_MULTI} | \
            {name: "" for name in TEXT_FIELDS + ACCESS_TEXT} | {"access_level": "public"}

    def code(item):
        return item["code"] if item else ""

    produced = product.get("produced_on")
    return {
        "title": product["title"], "description": product["description"],
        "kind": code(product["kind"]), "plan_task": code(product["plan_task"]),
        "lead_unit": code(product["lead_unit"]),
        "produced_on": date.fromisoformat(produced).strftime("%d/%m/%Y") if produced else "",
        "tags": "; ".join(product["tags"]), "rights_note": product["rights_note"],
        "access_level": product["access"]["level"],
        "audience_units": list(product["access"]["audience"]["units"]),
        "audience_roles": list(product["access"]["audience"]["roles"]),
        "embargo_until": date.fromisoformat(product["embargo_until"]).strftime("%d/%m/%Y")
        if product.get("embargo_until") else "",
        "protocol_note": product.get("protocol_note") or "",
        **{name: [code(i) for i in product[name]] for name in MULTI_FIELDS},
    }


def pickers() -> dict[str, list[tuple[str, str, bool]]]:
    """(code, label, current) per picker field; the levels and roles of the access
    part in words (every level the rule knows, whatever the vocabulary holds)."""
    found = {name: choices(name) for name in
             ("kind", "plan_task", "lead_unit", "languages", "themes", "conventions",
              "channels", "communes", "cooperating_units")}
    found["audience_units"] = found["lead_unit"]
    found["access_level"] = [(code, level_label(code), True) for code in LEVELS]
    found["audience_roles"] = [(role, gettext(role), True) for role in ROLES
                               if role != "admin"]
    return found
