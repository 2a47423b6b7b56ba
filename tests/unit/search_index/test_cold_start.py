"""What makes the first query after a start cheap, and the build's lean document add,
give what Whoosh's own code gives."""
from __future__ import annotations

import importlib.util
import io
import pickle
from pathlib import Path

import pytest
from whoosh.filedb.structfile import BufferFile

from search_index import IndexedProduct, SearchIndex, SearchQuery
from search_index.mapped_files import ViewFile
from search_index.rebuild import add_document, write_serial
from search_index.schema import marked_words, to_document
from search_index.analysis import exact_words, folded_form

CORPUS = Path(__file__).resolve().parents[3] / "benchmarks" / "corpus.py"


def _records(count: int) -> list[IndexedProduct]:
    spec = importlib.util.spec_from_file_location("kho_bench_corpus_cold", CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CorpusGenerator(seed=5, use_plan=False).products(count))


@pytest.mark.parametrize("make", [bytes, lambda b: memoryview(bytearray(b))])
def test_view_file_reads_like_bytesio(make) -> None:
    data = b"line one\nline two\n" + pickle.dumps({"a": [1, 2, 3]}) + b"tail without newline"
    view, ref = ViewFile(make(data)), io.BytesIO(data)
    assert view.readline() == ref.readline()
    assert view.read(4) == ref.read(4)
    assert view.readline(3) == ref.readline(3)
    assert view.readline() == ref.readline()
    assert pickle.load(view) == pickle.load(ref)
    assert view.tell() == ref.tell()
    assert view.read() == ref.read() and view.read() == b"" and view.readline() == b""
    assert view.seek(-5, io.SEEK_END) == ref.seek(-5, io.SEEK_END)
    assert view.read(100) == ref.read(100)
    assert view.seek(2) == 2 and view.seek(3, io.SEEK_CUR) == 5
    buf = bytearray(4)
    assert view.readinto(buf) == 4 and bytes(buf) == data[5:9]


def test_buffer_files_are_read_in_place() -> None:
    """Importing the index module installs ViewFile: opening a file of a memory-mapped
    segment no longer copies it (BytesIO over a memoryview did)."""
    big = memoryview(bytearray(b"x" * 1_000_000))
    f = BufferFile(big, name="t")
    assert isinstance(f.file, ViewFile)
    assert f.read(3) == b"xxx" and f.get(10, 2) == b"xx"
    f.seek(999_998)
    assert f.read() == b"xx"


def _small_blocks():
    from whoosh.codec.whoosh3 import W3Codec

    codec = W3Codec(blocklimit=16)   # many blocks per posting list at this size
    codec.length_stats = False
    return codec


def test_lean_add_writes_what_whoosh_writes(tmp_path: Path, monkeypatch) -> None:
    """The rebuild's own document add and postings writer against Whoosh's."""
    import search_index.index as index_module

    monkeypatch.setattr(index_module, "writer_codec", _small_blocks)
    records = _records(150)
    answers = []
    for name, add in (("lean", None), ("whoosh", lambda w, fields: w.add_document(**fields))):
        index = SearchIndex(tmp_path / name, result_cache_size=0)
        if add is None:
            index.rebuild(iter(records))
        else:
            index.clear()
            writer = index._writer()
            for record in records:
                add(writer, to_document(record))
            writer.commit()
        reader = index._current_searcher().reader()
        terms = {(f, t): (list(reader.postings(f, t).items_as("weight")),
                          reader.term_info(f, t).weight(), reader.term_info(f, t).doc_frequency(),
                          reader.term_info(f, t).max_weight())
                 for f in reader.indexed_field_names() for t in reader.lexicon(f)}
        assert max(len(v[0]) for v in terms.values()) > 16
        lengths = [(f, reader.field_length(f)) for f in ("title", "body", "exact", "kind")]
        stored = [reader.stored_fields(i) for i in range(reader.doc_count_all())]
        found = [(q, r.total, [h.id for h in r.hits], r.facets) for q in ("quyền", "tre em", '"trẻ em"')
                 for r in [index.search(SearchQuery(text=q, facets=["kind", "year"]))]]
        answers.append((terms, lengths, stored, list(reader.column_reader("seq")), found))
        index.close()
    assert answers[0] == answers[1]


def _postings(index: SearchIndex) -> dict:
    reader = index._current_searcher().reader()
    return {(f, t): list(reader.postings(f, t).items_as("weight"))
            for f in reader.indexed_field_names() for t in reader.lexicon(f)}


def test_lean_add_spills_the_pool_and_rejects_unknown_fields(tmp_path: Path) -> None:
    """Sorted runs spilled to disk (the key-sorted pool) merge into Whoosh's order."""
    records = _records(60)
    index = SearchIndex(tmp_path / "k", result_cache_size=0)
    index.ensure()
    writer = index._index().writer(limitmb=0.02)   # spills sorted runs to disk often
    assert write_serial(writer, iter(records)) == 60
    assert len(writer.pool.runs) > 3
    with pytest.raises(Exception):
        add_document(writer, {"no_such_field": "x"})
    writer.commit()
    reference = SearchIndex(tmp_path / "ref", result_cache_size=0)
    reference.ensure()
    writer = reference._index().writer()
    for record in records:
        writer.add_document(**to_document(record))
    writer.commit()
    assert index.doc_count() == 60
    assert _postings(index) == _postings(reference)


@pytest.mark.parametrize("text", ["plain ascii 123", "it's", "x`y", "Quyền trẻ em", "O’Brien", ""])
def test_marked_words_fast_path_agrees(text: str) -> None:
    assert marked_words(text) == [w for w in exact_words(text) if w != folded_form(w)]


@pytest.mark.parametrize("count", [0, 1, 7, 40_000])   # 40,000: offsets stored by Whoosh
def test_bytes_column_offsets_as_whoosh_derives_them(count: int) -> None:
    from whoosh.columns import VarBytesColumn
    from whoosh.filedb.structfile import StructFile
    from search_index.mapped_files import WHOOSH_READ_OFFSETS

    out = io.BytesIO()
    writer = VarBytesColumn().writer(StructFile(out))
    for doc in range(0, count, 3):
        writer.add(doc, bytes([doc % 251]) * (doc % 17))
    writer.finish(count)
    data = out.getvalue()
    reader = VarBytesColumn().reader(BufferFile(data), 0, len(data), count)
    ours = (list(reader._offsets), list(reader._lengths))
    WHOOSH_READ_OFFSETS(reader)
    assert ours == (list(reader._offsets), list(reader._lengths))
    assert [reader[d] for d in range(count)] == [bytes([d % 251]) * (d % 17) if d % 3 == 0 else b""
                                                 for d in range(count)]


def test_pickles_longer_than_a_peek_load_whole() -> None:
    objs = [(1, 2.5, "x" * n, [3] * n) for n in range(0, 9000, 700)]
    view = ViewFile(memoryview(bytearray(b"".join(pickle.dumps(o, 2) for o in objs))))
    assert [pickle.load(view) for _ in objs] == objs
    assert view.read() == b""
