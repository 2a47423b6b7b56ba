"""The figures' catalogue (terms and units as rows, each unit's carrier of today) is
built once per process for each state of the vocabulary tables: an edit of a unit or a
term — through the pages or by raw SQL — shows in the next one read, and what one
computation does with its catalogue never reaches another's."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from app.services.stats.scope import load_catalogue
from archive.models import Unit


def _commune_pair(kho) -> tuple[int, int]:
    with kho.transaction() as s:
        a, b = s.scalars(select(Unit.id).where(Unit.level == "commune",
                                               Unit.successor_id.is_(None)).limit(2))
    return a, b


def test_a_renamed_or_merged_unit_shows_in_the_next_catalogue(kho):
    a, b = _commune_pair(kho)
    with kho.transaction() as s:
        first = load_catalogue(s)
    assert first.current[a] == a
    with kho.engine.begin() as c:        # beside the application, as any writer could
        c.execute(text("UPDATE units SET name = 'Xã Mới Đổi Tên' WHERE id = :a"), {"a": a})
        c.execute(text("UPDATE units SET successor_id = :b, valid_to = :d WHERE id = :a"),
                  {"a": a, "b": b, "d": date(2025, 6, 30)})
    with kho.transaction() as s:
        second = load_catalogue(s)
    assert second.units[a].name == "Xã Mới Đổi Tên" and second.current[a] == b
    assert not second.units[a].valid_on(date(2025, 7, 1))
    assert first.units[a].name != "Xã Mới Đổi Tên" and first.current[a] == a


def test_each_computation_gets_its_own_dictionaries(kho):
    a, _b = _commune_pair(kho)
    with kho.transaction() as s:
        one = load_catalogue(s)
        one.current[a] = -1
        one.units.clear()
        other = load_catalogue(s)
    assert other.current[a] == a and a in other.units


def test_the_vocabulary_is_read_again_only_when_its_rows_changed(kho):
    """Every request reads the terms and units to know whether they changed (through
    the driver, cheaply); the typed rows and what is derived from them are reused
    until a row differs, and a term's flag changed beside the application shows."""
    from app.services.stats.scope import read_vocabulary

    with kho.transaction() as s:
        first, again = read_vocabulary(s), read_vocabulary(s)
    assert again is first
    with kho.engine.begin() as c:
        c.execute(text("UPDATE terms SET digital_platform = NOT digital_platform "
                       "WHERE vocabulary = 'channel' AND id = (SELECT min(id) FROM terms "
                       "WHERE vocabulary = 'channel')"))
    with kho.transaction() as s:
        changed = read_vocabulary(s)
    assert changed is not first and changed.version != first.version
    flipped = [(t.code, t.digital_platform) for t in changed.terms if t.vocabulary == "channel"]
    before = [(t.code, t.digital_platform) for t in first.terms if t.vocabulary == "channel"]
    assert flipped[0][1] is (not before[0][1]) and flipped[1:] == before[1:]
    assert all(isinstance(u.valid_from, (date, type(None))) for u in changed.units)
