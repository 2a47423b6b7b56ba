"""Keeping the index consistent: create, update, delete, clear, versions, locking."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from whoosh import index as whoosh_index

from archive.errors import ServiceUnavailable
from search_index import SEES_EVERYTHING, SearchIndex, SearchQuery
from tests.unit.search_index.conftest import products


def found(index, text):
    return sorted(h.id for h in index.search(SearchQuery(text=text, per_page=50,
                                                         access=SEES_EVERYTHING)).hits)


@pytest.fixture
def index(tmp_path):
    ix = SearchIndex(tmp_path / "index")
    ix.upsert(products())
    yield ix
    ix.close()


def test_nothing_is_created_until_used(tmp_path):
    path = tmp_path / "index"
    ix = SearchIndex(path)
    assert not path.exists()
    ix.ensure()
    assert path.exists() and ix.doc_count() == 0
    ix.ensure()  # idempotent
    assert ix.search(SearchQuery(text="quyền")).total == 0


def test_update_replaces_the_old_text(index):
    old = next(p for p in products() if p.id == 2)
    index.upsert([replace(old, title="Ca khúc mùa xuân", description="Bài hát mới.")])
    assert 2 not in found(index, "quyến luyến")
    assert found(index, "mua xuan") == [2]
    assert index.doc_count() == len(products())


def test_upserting_twice_does_not_duplicate(index):
    index.upsert(products()[:3])
    index.upsert(products()[:3])
    assert index.doc_count() == len(products())
    assert found(index, '"quyền con người"') == [3]


def test_same_id_twice_in_one_batch_keeps_the_last(index):
    first = products()[0]
    index.upsert([replace(first, title="Bản cũ"), replace(first, title="Bản mới nhất")])
    assert found(index, "ban moi nhat") == [1]
    assert found(index, "ban cu") == []
    assert index.doc_count() == len(products())


def test_delete_removes_from_results_and_facets(index):
    before = index.search(SearchQuery(facets=["kind"])).facets["kind"]["poster"]
    index.delete([3, 999])
    assert found(index, "quyen con nguoi") == []
    assert index.search(SearchQuery(facets=["kind"])).facets["kind"]["poster"] == before - 1
    assert index.doc_count() == len(products()) - 1
    assert 3 not in index.stored_versions()


def test_stored_versions_report_what_was_indexed(index):
    versions = index.stored_versions()
    assert set(versions) == {p.id for p in products()}
    assert versions[1] == datetime(2024, 5, 2, 8, 30, 0, 250)
    assert versions[3] is None
    aware = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
    index.upsert([replace(products()[2], updated_at=aware)])
    assert index.stored_versions()[3] == datetime(2025, 1, 1, 12, 0)  # naive UTC


def test_clear_empties_the_index(index):
    index.clear()
    assert index.doc_count() == 0
    assert found(index, "quyen") == []
    index.upsert(products()[:1])
    assert found(index, "quyen") == [1]


def test_a_second_writer_gets_a_clear_unavailable_error(tmp_path):
    ix = SearchIndex(tmp_path / "index", lock_timeout=0.2)
    ix.ensure()
    other = whoosh_index.open_dir(str(tmp_path / "index")).writer()  # another process writing
    try:
        with pytest.raises(ServiceUnavailable):
            ix.upsert(products()[:1])
        assert ix.search(SearchQuery(text="quyen")).total == 0  # readers are not blocked
    finally:
        other.cancel()
    assert ix.upsert(products()[:1]) == 1


def test_readers_see_writes_from_another_index_object(tmp_path):
    reader, writer = SearchIndex(tmp_path / "index"), SearchIndex(tmp_path / "index")
    writer.upsert(products()[:2])
    assert reader.search(SearchQuery(text="quyen")).total == 2
    writer.delete([1])
    assert reader.search(SearchQuery(text="quyen")).total == 1


def test_index_from_another_version_asks_for_reindex_then_rebuilds(tmp_path):
    from whoosh import fields
    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), fields.Schema(id=fields.ID(stored=True)))
    ix = SearchIndex(tmp_path / "index")
    with pytest.raises(ServiceUnavailable, match="reindex"):
        ix.search(SearchQuery(text="quyen"))
    with pytest.raises(ServiceUnavailable, match="reindex"):
        ix.upsert(products()[:1])
    ix.clear()  # what `kho reindex` does first
    ix.upsert(products()[:1])
    assert found(ix, "quyen") == [1]


def test_phrases_work_on_segments_without_a_compound_file(tmp_path, index):
    # Kho's writer makes compound (memory-mapped) segments; a segment Whoosh
    # writes as separate files is read another way and must give the same answers.
    from search_index.schema import to_document

    loose = SearchIndex(tmp_path / "loose")
    loose.doc_count()  # creates the empty index with Kho's schema
    writer = whoosh_index.open_dir(str(tmp_path / "loose")).writer(compound=False)
    for p in products():
        writer.add_document(**to_document(p))
    writer.commit(merge=False, optimize=False)
    assert not any(p.name.endswith(".seg") for p in (tmp_path / "loose").iterdir())
    try:
        for text in ('"quyen tre em trong gia dinh"', '"Phóng sự phát thanh về Công ước"',
                     '"phát thanh về quyền trẻ em"', '"nơ̆r pơma ƀok kră"', '"quyền trẻ em"'):
            assert found(loose, text) == found(index, text), text
        assert found(loose, '"quyen tre em trong gia dinh"') == [1]
    finally:
        loose.close()
