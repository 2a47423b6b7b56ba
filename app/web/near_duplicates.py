"""Near-duplicate flags in words, for the upload page, the product page and the status
JSON the upload page polls: which product a file looks or sounds like (a link to it),
what a producer answered, and the two answers ("Cùng một tác phẩm" / "Khác tác
phẩm") as a form that posts to ``upload.answer_near_duplicate`` (then back: POST,
redirect, GET). The flags themselves come from ``app.services.catalogue.near_duplicates``.
"""
from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

ANSWER_WORDS = ("same", "different")


def answer_label(answer: str) -> str:
    """The button that gives ``answer``."""
    return _("Same work") if answer == "same" else _("Different work")


def _parts(flag: dict[str, Any]) -> tuple[str, str]:
    """The flag's sentence and the words in it that link to the other product."""
    link = _("product #%(id)s", id=flag["product_id"])
    if flag["kind"] == "image":
        text = _("This picture looks like %(file)s in %(product)s “%(title)s”.",
                 file=flag["filename"], product=link, title=flag["title"])
    else:
        text = _("This sound is like %(file)s in %(product)s “%(title)s”.",
                 file=flag["filename"], product=link, title=flag["title"])
    return text, link


def answered_text(flag: dict[str, Any]) -> str:
    """What was answered, and by whom; "" when nobody has answered yet."""
    if not flag.get("answer"):
        return ""
    who = flag.get("answered_by") or _("someone")
    if flag["answer"] == "same":
        return _("%(user)s answered: the same work (counted once in the figures).", user=who)
    return _("%(user)s answered: a different work.", user=who)


def answer_url(product_id: int, file_id: int, flag: dict[str, Any]) -> str:
    return url_for("upload.answer_near_duplicate", product_id=product_id, file_id=file_id,
                   other_file_id=flag["file_id"])


def flag_rows(product_id: int, file: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's flags for a template: ``sentence`` (Markup, the product linked),
    ``answered`` (words), ``answer`` (code or None), ``answer_url``, ``file_id``."""
    rows = []
    for flag in file.get("near_duplicates") or []:
        text, link = _parts(flag)
        anchor = Markup('<a href="%s">%s</a>') % (
            url_for("product.product_page", product_id=flag["product_id"]), link)
        before, _sep, after = text.partition(link)
        rows.append({"sentence": escape(before) + anchor + escape(after),
                     "answered": answered_text(flag), "answer": flag.get("answer"),
                     "file_id": flag["file_id"], "kind": flag["kind"],
                     "answer_url": answer_url(product_id, file["id"], flag)})
    return rows


def notices(product_id: int, file: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's flags as notices of the upload answer and the status JSON
    (``code`` "near_duplicate", ``text`` with ``link`` in it to ``url``, the other
    ``file_id``, what was ``answered``, and the ``answers`` a script offers as buttons
    posting to ``answer_url``)."""
    found = []
    for flag in file.get("near_duplicates") or []:
        text, link = _parts(flag)
        found.append({"code": "near_duplicate", "text": text, "link": link,
                      "url": url_for("product.product_page", product_id=flag["product_id"]),
                      "file_id": flag["file_id"], "answered": answered_text(flag),
                      "answer_url": answer_url(product_id, file["id"], flag),
                      "answers": [{"value": a, "label": answer_label(a)}
                                  for a in ANSWER_WORDS]})
    return found


def answered_message(answer: str, product_id: int) -> str:
    """What the producer is told once an answer is kept."""
    if answer == "same":
        return _("Kept: the same work as product #%(id)s. The office's figures count it "
                 "once.", id=product_id)
    return _("Kept: a different work from product #%(id)s.", id=product_id)
