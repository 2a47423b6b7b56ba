"""The product metadata form: form fields <-> the service's ``data`` dict, and the
picker choices it shows."""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from app.web.labels import choices

MULTI_FIELDS = ("languages", "themes", "conventions", "channels", "communes",
                "cooperating_units")
TEXT_FIELDS = ("title", "description", "kind", "plan_task", "lead_unit", "produced_on",
               "tags", "rights_note")


def metadata_from_form(form: MultiDict) -> dict:
    """The ``data`` dict for products.create_product / update_product.

    Every field of the form is sent (an empty picker clears the field on edit).
    """
    data: dict = {name: form.get(name, "") for name in TEXT_FIELDS}
    for name in MULTI_FIELDS:
        data[name] = [v for v in form.getlist(name) if v]
    data["sensitive"] = form.get("sensitive") == "on"
    return data


def form_values(product: dict | None = None, form: MultiDict | None = None) -> dict:
    """Values to pre-fill the form: from a posted form, or from a product view."""
    if form is not None:
        values = metadata_from_form(form)
        return values
    if product is None:
        return {name: [] for name in MULTI_FIELDS} | {name: "" for name in TEXT_FIELDS} | \
            {"sensitive": False}

    def code(item):
        return item["code"] if item else ""

    produced = product.get("produced_on")
    return {
        "title": product["title"], "description": product["description"],
        "kind": code(product["kind"]), "plan_task": code(product["plan_task"]),
        "lead_unit": code(product["lead_unit"]),
        "produced_on": date.fromisoformat(produced).strftime("%d/%m/%Y") if produced else "",
        "tags": "; ".join(product["tags"]), "rights_note": product["rights_note"],
        "sensitive": product["sensitive"],
        **{name: [code(i) for i in product[name]] for name in MULTI_FIELDS},
    }


def pickers() -> dict[str, list[tuple[str, str, bool]]]:
    """(code, label, current) per picker field."""
    return {name: choices(name) for name in
            ("kind", "plan_task", "lead_unit", "languages", "themes", "conventions",
             "channels", "communes", "cooperating_units")}
