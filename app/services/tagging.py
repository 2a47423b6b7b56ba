"""Suggested themes and conventions, kept apart from confirmed ones until a person
confirms them. Rules are data (ingest/rules/tagging_rules.toml)."""
from __future__ import annotations

from functools import lru_cache

from app.bootstrap import Kho
from app.services.actors import Actor
from app.services.products import lock_for_edit, touch
from archive.errors import ValidationError
from archive.models import Product, ProductChange, Term
from ingest import tagging

VOCABULARY = {"theme": "theme", "convention": "convention"}


@lru_cache(maxsize=1)
def _rules():
    return tagging.load_rules()


def suggest_in(product: Product) -> list[dict]:
    """Recompute ``product.suggestions`` (in the caller's session); confirmed themes and
    conventions are not suggested again."""
    text = "\n".join(f.text for f in product.files if f.text)
    confirmed = {(t.vocabulary, t.code) for t in product.terms}
    found = tagging.suggest(product.title, product.description or "", text, _rules())
    suggestions = [{"kind": s.kind, "code": s.code, "score": round(s.score, 3),
                    "matched": list(s.matched)[:5]}
                   for s in found if (VOCABULARY[s.kind], s.code) not in confirmed]
    if suggestions != list(product.suggestions or []):
        product.suggestions = suggestions
    return suggestions


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
    from app.services import indexing

    indexing.queue_update(kho, [product_id])
