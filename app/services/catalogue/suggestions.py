"""Suggested themes, conventions and languages, kept apart from confirmed ones until a
person confirms them — or dismisses them, for good: a dismissed suggestion
(``archive.suggestions``) is not offered again for that product when its files are
processed again. Rules are data (ingest/rules/tagging_rules.toml,
ingest/rules/language_rules.toml). Nothing is ever set without a person: the language
of a product feeds the plan's ethnic-language share.

A suggestion in ``Product.suggestions`` is ``{"kind", "code", "score", "matched"}``;
a language one (``kind`` "language", ``score`` its share of the judged text, 0..1)
also holds ``by`` (orthography, classifier or named), the ``letters`` and ``words``
that showed an ethnic-minority orthography and the ``named`` phrase of the title or
description; :func:`reason` words them for a person.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.products import lock_for_edit, touch
from app.services.search import indexing
from archive.access import stricter
from archive.errors import Message, ValidationError
from archive.models import Product, ProductChange, Term
from archive.suggestions import SuggestionDismissal
from ingest import language_hint, tagging

VOCABULARY = {"theme": "theme", "convention": "convention", "language": "language"}
LANGUAGE = "language"


@lru_cache(maxsize=1)
def _rules():
    return tagging.load_rules()


@lru_cache(maxsize=1)
def _language_rules():
    return language_hint.load_rules()


def suggest_in(product: Product, languages: bool = True) -> list[dict]:
    """Recompute ``product.suggestions`` (in the caller's session); confirmed themes,
    conventions and languages are not suggested again, nor are dismissed ones.

    ``languages`` False keeps the language suggestions found before instead of
    judging the text again: a caller whose change left every file's text as it was
    (retrying or removing a failed file) says so, and the web workers then never load
    the language model."""
    text = "\n".join(f.text for f in shared_files(product) if f.text)
    confirmed = {(t.vocabulary, t.code) for t in product.terms}
    dismissed = dismissed_in(product)
    found = tagging.suggest(product.title, product.description or "", text, _rules())
    suggestions = [{"kind": s.kind, "code": s.code, "score": round(s.score, 3),
                    "matched": list(s.matched)[:5]}
                   for s in found if (VOCABULARY[s.kind], s.code) not in confirmed
                   and (s.kind, s.code) not in dismissed]
    suggestions += [s for s in (_languages_in(product) if languages else
                                [s for s in product.suggestions or []
                                 if s.get("kind") == LANGUAGE])
                    if (LANGUAGE, s["code"]) not in confirmed
                    and (LANGUAGE, s["code"]) not in dismissed]
    if suggestions != list(product.suggestions or []):
        product.suggestions = suggestions
    return suggestions


def shared_files(product: Product) -> list:
    """The files whose text may feed the product's suggestions: those no stricter than
    the product. A suggestion shows its matched words to everyone who sees the
    product, so the text of a file closed beyond it (a raw interview) stays out."""
    level = product.access_level or "public"
    return [f for f in product.files if stricter(level, f.access_level) == level]


def _languages_in(product: Product) -> list[dict[str, Any]]:
    """Language suggestions from the product's title, description and files' text,
    limited to the active languages of the vocabulary (their Vietnamese labels name
    them in a title: "Bản tin tiếng Ba Na")."""
    session = object_session(product)
    if session is None:
        return []
    labels = dict(session.execute(select(Term.code, Term.label_vi).where(
        Term.vocabulary == LANGUAGE, Term.active.is_(True))).all())
    if not labels:
        return []
    hints = language_hint.hint(product.title, product.description or "",
                               [f.text for f in shared_files(product)], _language_rules(),
                               names={code: [label] for code, label in labels.items()})
    return [{"kind": LANGUAGE, "code": h.code,
             "score": h.share if h.share is not None else 1.0,
             "matched": ([h.named] if h.named else []) + list(h.letters + h.words)[:5],
             "by": h.by, "letters": list(h.letters), "words": list(h.words),
             "named": h.named}
            for h in hints if h.code in labels]


def reason(suggestion: Mapping[str, Any], language: str) -> Optional[Message]:
    """Why a language was suggested, for the person confirming it (``language``: its
    label as the reader sees it, "Tiếng Ba Na" read "tiếng Ba Na" inside the
    sentence); None for a theme or convention (their matched phrases say it)."""
    if suggestion.get("kind") != LANGUAGE:
        return None
    if language.startswith("Tiếng "):
        language = "t" + language[1:]
    letters = ", ".join(suggestion.get("letters") or [])
    words = ", ".join(f"‘{w}’" for w in suggestion.get("words") or [])
    if suggestion.get("named"):
        return Message("the title or description says “%(phrase)s”",
                       phrase=suggestion["named"])
    if letters and words:
        return Message("has the letters %(letters)s and the words %(words)s, common in "
                       "%(language)s", letters=letters, words=words, language=language)
    if words:
        return Message("has the words %(words)s, common in %(language)s", words=words,
                       language=language)
    return Message("the text reads as %(language)s (automatic language identification)",
                   language=language)


def dismissed_in(product: Product) -> set[tuple[str, str]]:
    """``(kind, code)`` of the suggestions dismissed for ``product`` (its session)."""
    session = object_session(product)
    if session is None or product.id is None:
        return set()
    rows = session.execute(select(SuggestionDismissal.kind, SuggestionDismissal.code)
                           .where(SuggestionDismissal.product_id == product.id))
    return {(kind, code) for kind, code in rows}


def dismiss(kho: Kho, actor: Actor, product_id: int, kind: str, code: str) -> bool:
    """Dismiss one suggestion of a product for good (audited); False when it was
    dismissed already (nothing changes then). ValidationError for an unknown kind or
    code; the code need not be suggested right now (a page opened before a re-run)."""
    actor.require("product.edit")
    if kind not in VOCABULARY:
        raise ValidationError("unknown suggestion kind %(kind)s", field="kind", kind=kind)
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id)
        known = session.query(Term.id).filter_by(vocabulary=VOCABULARY[kind],
                                                 code=code).first()
        if known is None:
            raise ValidationError("unknown code %(code)s", field=kind, code=code)
        if session.get(SuggestionDismissal, (product_id, kind, code)) is not None:
            return False
        session.add(SuggestionDismissal(product_id=product_id, kind=kind, code=code,
                                        user_id=actor.user_id))
        product.suggestions = [s for s in product.suggestions or []
                               if (s["kind"], s["code"]) != (kind, code)]
        touch(product, actor)
        session.add(ProductChange(product_id=product_id, action="update",
                                  changes={f"{kind}s": [None, f"-{code} (dismissed)"]},
                                  user_id=actor.user_id))

    indexing.queue_update(kho, [product_id])
    return True


def confirm(kho: Kho, actor: Actor, product_id: int, kind: str, code: str) -> None:
    """Turn one suggestion into a confirmed theme/convention of the product."""
    actor.require("product.edit")
    if kind not in VOCABULARY:
        raise ValidationError("unknown suggestion kind %(kind)s", field="kind", kind=kind)
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id)
        term = session.query(Term).filter_by(vocabulary=VOCABULARY[kind], code=code).one_or_none()
        if term is None:
            raise ValidationError("unknown code %(code)s", field=kind, code=code)
        if term not in product.terms:
            product.terms.append(term)
        product.suggestions = [s for s in product.suggestions or []
                               if (s["kind"], s["code"]) != (kind, code)]
        touch(product, actor)
        session.add(ProductChange(product_id=product_id, action="update",
                                  changes={f"{kind}s": [None, f"+{code} (confirmed)"]},
                                  user_id=actor.user_id))

    indexing.queue_update(kho, [product_id])
