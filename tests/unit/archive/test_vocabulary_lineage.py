"""Who carries a unit on today: :meth:`Unit.lineage` over objects and
:func:`lineage_ids` / :func:`carrier_id` over plain ids give the same units — a merger
chain, a unit with no successor, a cycle a bad edit made, and a chain longer than the
hops allowed."""
from __future__ import annotations

import pytest

from archive.vocabulary import Unit, carrier_id, lineage_ids


def _units(successors: dict[int, int | None]) -> dict[int, Unit]:
    units = {i: Unit(id=i, code=f"u{i}", name=f"Đơn vị {i}", level="commune")
             for i in successors}
    for i, nxt in successors.items():
        units[i].successor = units[nxt] if nxt is not None else None
    return units


@pytest.mark.parametrize("successors, first_carrier", [
    ({1: 2, 2: 3, 3: None, 4: None}, 3),            # two mergers, one unit on its own
    ({1: 2, 2: 1}, 2),                              # a cycle stops where it closes
    ({i: i + 1 for i in range(1, 15)} | {15: None}, 11),   # 10 links at most
])
def test_carrier_id_is_the_last_unit_of_the_lineage(successors, first_carrier):
    units = _units(successors)
    for i in successors:
        assert lineage_ids(successors, i) == [u.id for u in units[i].lineage()]
        assert carrier_id(successors, i) == units[i].lineage()[-1].id
    assert carrier_id(successors, 1) == first_carrier
