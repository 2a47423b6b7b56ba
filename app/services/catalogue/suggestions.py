"""Suggested themes and conventions, kept apart from confirmed ones until a person
confirms them — or dismisses them, for good: a dismissed suggestion
(``archive.suggestions``) is not offered again for that product when its files are
processed again. Rules are data (ingest/rules/tagging_rules.toml)."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.products import lock_for_edit, touch
from app.services.search import indexing
from archive.errors import ValidationError
from archive.models import Product, ProductChange, Term
from archive.suggestions import SuggestionDismissal
from ingest import tagging

VOCABULARY = {"theme": "theme", "convention": "convention"}


@lru_cache(maxsize=1)
def _rules():
    return tagging.load_rules()


def suggest_in(product: Product) -> list[dict]:
    """Recompute ``product.suggestions`` (in the caller's session); confirmed themes and
    conventions are not suggested again, nor are dismissed ones."""
    text = "\n".join(f.text for f in product.files if f.text)
    confirmed = {(t.vocabulary, t.code) for t in product.terms}
    dismissed = dismissed_in(product)
    found = tagging.suggest(product.title, product.description or "", text, _rules())
    suggestions = [{"kind": s.kind, "code": s.code, "score": round(s.score, 3),
                    "matched": list(s.matched)[:5]}
                   for s in found if (VOCABULARY[s.kind], s.code) not in confirmed
                   and (s.kind, s.code) not in dismissed]
    if suggestions != list(product.suggestions or []):
        product.suggestions = suggestions
    return suggestions


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
