"""The search service for commune staff choosing what to air, on the catalogue rows
(SQLite here; tests/integration runs the same tests on PostgreSQL): the broadcast-copy
filter, file-less drafts hidden (also while the index lags) and the media facts of a
page of hits (duration, broadcast copy, waveform)."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import delete, update

from app.services.search import indexing
from app.services.search import queries
from app.services.access.actors import Actor, hides_draft
from app.services.catalogue.products import create_product
from archive.errors import ValidationError
from archive.models import Derivative, File, Product

PRODUCER = Actor(None, "sx", "producer")
COMMUNE = Actor(None, "xa", "commune")


def _file(kho, product_id: int, category: str, renditions: tuple[str, ...],
          technical: dict | None = None) -> int:
    """A processed file's catalogue rows (no bytes: nothing here reads them)."""
    sha = hashlib.sha256(f"{product_id}-{category}".encode()).hexdigest()
    with kho.transaction() as session:
        row = File(product_id=product_id, sha256=sha, size=1000, category=category,
                   media_type={"audio": "audio/wav", "image": "image/png"}[category],
                   original_filename=f"tep-{product_id}", storage_key=f"originals/{sha}",
                   status="ready", technical=technical or {})
        row.derivatives = [Derivative(name=name, media_type="application/octet-stream",
                                      size=10, storage_key=f"derivatives/{sha}/{name}")
                           for name in renditions]
        session.add(row)
        session.execute(update(Product).where(Product.id == product_id).values(status="ready"))
        session.flush()
        return row.id


@pytest.fixture
def catalogue(kho) -> dict[str, int]:
    def make(title: str, kind: str) -> int:
        return create_product(kho, PRODUCER, {"title": title, "kind": kind})

    ids = {"feature": make("Bản tin phòng chống lũ", "radio-feature"),
           "poster": make("Tranh phòng chống lũ", "poster"),
           "draft": make("Nháp phòng chống lũ", "video")}
    ids["feature_file"] = _file(kho, ids["feature"], "audio",
                                ("broadcast", "lowband", "waveform"), {"duration_s": 245.3})
    _file(kho, ids["poster"], "image", ("thumbnail", "preview"))
    indexing.update_now(kho, [ids["feature"], ids["poster"], ids["draft"]])
    return ids


def _ids(kho, actor, **params) -> list[int]:
    return sorted(h.id for h in queries.search(kho, actor, {"q": "phong chong lu", **params}).hits)


def test_commune_staff_are_not_shown_fileless_drafts(kho, catalogue):
    shown = queries.search(kho, COMMUNE, {"q": "phong chong lu"})
    assert sorted(h.id for h in shown.hits) == sorted([catalogue["feature"], catalogue["poster"]])
    assert shown.total == 2 and shown.facets["kind"] == {"poster": 1, "radio-feature": 1}
    assert queries.search(kho, PRODUCER, {"q": "phong chong lu"}).total == 3
    assert hides_draft(COMMUNE, "draft", False)
    assert not hides_draft(COMMUNE, "draft", True)
    assert not hides_draft(PRODUCER, "draft", False)


def test_a_product_left_without_files_is_hidden_before_the_index_catches_up(kho, catalogue,
                                                                             monkeypatch):
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    with kho.transaction() as session:
        session.execute(delete(File).where(File.product_id == catalogue["poster"]))
        session.execute(update(Product).where(Product.id == catalogue["poster"])
                        .values(status="draft"))
        indexing.mark(session, [catalogue["poster"]])
    shown = queries.search(kho, COMMUNE, {"q": "phong chong lu"})
    assert [h.id for h in shown.hits] == [catalogue["feature"]]
    assert shown.total == 1 and shown.facets["kind"] == {"radio-feature": 1}
    assert queries.search(kho, PRODUCER, {"q": "phong chong lu"}).total == 3


def test_broadcast_copy_filter(kho, catalogue):
    assert _ids(kho, COMMUNE, broadcast_copy="true") == [catalogue["feature"]]
    assert _ids(kho, PRODUCER, broadcast_copy="false") == sorted(
        [catalogue["poster"], catalogue["draft"]])
    assert queries.search(kho, PRODUCER, {"q": "lu"}).facets["broadcast_copy"] == {
        "false": 2, "true": 1}
    with pytest.raises(ValidationError) as err:
        queries.search(kho, COMMUNE, {"broadcast_copy": "1"})
    assert err.value.field == "broadcast_copy"


def test_hit_media_gives_duration_broadcast_copy_and_waveform(kho, catalogue):
    media = queries.hit_media(kho, [catalogue["feature"], catalogue["poster"], catalogue["draft"]],
                              COMMUNE)
    assert media == {catalogue["feature"]: queries.HitMedia(
        duration_s=245.3, broadcast_file=catalogue["feature_file"],
        waveform_file=catalogue["feature_file"])}
    assert queries.hit_media(kho, [], COMMUNE) == {}


def test_hit_media_leaves_out_a_file_closed_beyond_its_product(kho, catalogue):
    with kho.transaction() as session:
        session.execute(update(File).where(File.id == catalogue["feature_file"])
                        .values(access_level="closed"))
    assert queries.hit_media(kho, [catalogue["feature"]], COMMUNE) == {}   # no player, no waveform
    assert queries.hit_media(kho, [catalogue["feature"]], PRODUCER)[catalogue["feature"]] \
        .broadcast_file == catalogue["feature_file"]
