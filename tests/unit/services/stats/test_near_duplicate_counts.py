"""The office's figures count a work once: a product a producer confirmed as the same
work as an earlier product (a near-duplicate answered "same") is left out of every
count, at once (the statistics cache follows the answer); "different" and unanswered
pairs change nothing. Known answers on four products."""
from __future__ import annotations

import io

from app.services.access import accounts
from app.services.catalogue import near_duplicates, products
from app.services.files.intake import receive
from app.services.stats import plan_progress
from archive.likeness import NearDuplicate


def _figures(kho, actor, **params):
    return plan_progress.compute_stats(kho, actor, plan_progress.parse_scope(kho, params))


def test_a_confirmed_pair_counts_once_and_other_answers_change_nothing(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "quantri", "admin", "12345678")
    producer = accounts.actor_by_name(kho, "sx")
    admin = accounts.actor_by_name(kho, "quantri")
    ids, files = {}, {}
    for name in "ABCD":       # four posters of 2024, one file each
        ids[name] = products.create_product(kho, producer, {
            "title": f"Tranh cổ động {name}", "produced_on": "15/06/2024",
            "languages": ["bdq"] if name == "B" else ["vie"]})
        files[name] = receive(kho, producer, ids[name], io.BytesIO(name.encode() * 100),
                              f"{name}.txt", queue=False).file_id
    with kho.transaction() as session:      # as processing records them
        for later, earlier in (("B", "A"), ("C", "A"), ("D", "C")):
            session.add(NearDuplicate(file_id=files[later], other_file_id=files[earlier],
                                      kind="image", distance=0.05))

    def counts():
        st = _figures(kho, admin)
        return st.total, st.ethnic_language, {r.year: r.total for r in st.by_year}[2024]

    assert counts() == (4, 1, 4)                                 # nothing answered
    near_duplicates.answer(kho, producer, ids["B"], files["B"], files["A"], "same")
    assert counts() == (3, 0, 3)          # B is A: counted once, as A (Vietnamese)
    near_duplicates.answer(kho, producer, ids["C"], files["C"], files["A"], "different")
    assert counts() == (3, 0, 3)
    # answered from the earlier product's page: still the later one that is left out
    near_duplicates.answer(kho, producer, ids["C"], files["C"], files["D"], "same")
    assert counts() == (2, 0, 2)
    assert _figures(kho, admin, **{"from": "01/01/2024", "to": "31/12/2024"}).total == 2
    near_duplicates.answer(kho, producer, ids["B"], files["B"], files["A"], "different")
    assert counts() == (3, 1, 3)
    with kho.transaction() as session:
        assert near_duplicates.repeated_products(session) == frozenset({ids["D"]})
