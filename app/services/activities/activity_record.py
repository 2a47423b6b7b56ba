"""An activity as plain data (JSON-ready): what the API answers, the CLI prints and the
public export writes.

Linked products are named only when the reader may see them (else only counted, in
``products_hidden``: :mod:`app.services.access.linked`). It carries counts only —
participants per target group, with women and ethnic-minority people — never a person's name, position or ethnic group: those are personal data, in
the attendance tables, shown only to accounts that may see them
(:func:`app.services.activities.register.may_see_people`). Evidence files are listed by
kind, name, size and SHA-256 (the bytes of an attendance sheet are served only to
those accounts, see :func:`app.services.activities.evidence.open_evidence`).
"""
from __future__ import annotations

from typing import Any

from app.services.common.clock import iso_datetime
from archive.activities import Activity


def term(t) -> dict[str, Any] | None:
    return None if t is None else {"code": t.code, "label_vi": t.label_vi,
                                   "label_en": t.label_en}


def unit(u) -> dict[str, Any] | None:
    return None if u is None else {"code": u.code, "name": u.name}


def as_record(a: Activity) -> dict[str, Any]:
    """The activity as JSON-ready data; dates ISO (``ends_on`` equals ``starts_on`` for
    one day), times ISO in UTC. Linked products the reader may not see (the
    ``hidden_products`` the register sets on what it returns,
    :func:`app.services.activities.register.mark_hidden`) are not named: only their
    number, ``products_hidden``."""
    hidden = frozenset(getattr(a, "hidden_products", ()))
    counts = sorted(a.counts, key=lambda c: (c.target_group.position, c.target_group.code))
    return {
        "id": a.id, "kind": term(a.kind), "title": a.title,
        "starts_on": a.starts_on.isoformat(), "ends_on": a.ends_on.isoformat(),
        "organiser": unit(a.organiser),
        "communes": sorted((unit(c.unit) for c in a.communes), key=lambda u: u["code"]),
        "plan_task": term(a.plan_task), "place": a.place, "description": a.description,
        "participants": [{"target_group": c.target_group.code,
                          "label_vi": c.target_group.label_vi,
                          "target_percent": c.target_group.target_percent,
                          "total": c.total, "women": c.women,
                          "ethnic_minority": c.ethnic_minority} for c in counts],
        "participants_total": sum(c.total for c in counts),
        "products": sorted(({"product_id": p.product_id, "use": p.use,
                             "title": p.product.title if p.product else None}
                            for p in a.products if p.product_id not in hidden),
                           key=lambda p: (p["product_id"], p["use"])),
        "products_hidden": len({p.product_id for p in a.products} & hidden),
        "evidence": [{"id": e.id, "kind": e.kind, "filename": e.original_filename,
                      "media_type": e.media_type, "size": e.size, "sha256": e.sha256}
                     for e in a.evidence],
        "version": a.version,
        "created_at": iso_datetime(a.created_at), "updated_at": iso_datetime(a.updated_at),
    }
