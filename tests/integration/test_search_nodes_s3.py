"""Search on several machines with the real engines: a writer and a reader instance on
separate folders of this machine, one PostgreSQL catalogue, the moto S3 server as the
object store. An edit on the writer is searchable on the reader after one sync (and
within a few polls of a running follower); a reader killed (-9) half-way through
copying a generation keeps answering from the previous one and the next sync
completes; a file the store holds wrong is refused; garbage collection on the bucket
keeps what the newest manifest names."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search_index import SearchQuery
from tests.conftest import make_settings
from tests.s3server import new_s3_storage

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def nodes(tmp_path, migrated_pg_url, s3_endpoint):
    """(writer, reader): two initialised instances sharing the catalogue and the bucket."""
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.instance.setup import init_instance

    bucket = new_s3_storage(s3_endpoint).bucket
    common = dict(database_url=migrated_pg_url, storage="s3", s3_bucket=bucket,
                  s3_endpoint_url=s3_endpoint, s3_region="us-east-1",
                  s3_addressing_style="path", search_sync_seconds=0.2)
    writer = Kho(make_settings(tmp_path / "writer", search_role="writer", **common))
    init_instance(writer)
    accounts.add_user(writer, "sx", "producer", "12345678")
    reader = Kho(make_settings(tmp_path / "reader", search_role="reader", **common))
    init_instance(reader)
    yield writer, reader
    reader.close()
    writer.close()


def found(kho, text: str) -> list[int]:
    from app.services.access import accounts
    from app.services.search import queries

    return [h.id for h in queries.search(kho, accounts.actor_by_name(kho, "sx"),
                                         {"q": text}).hits]


def test_an_edit_on_the_writer_reaches_the_reader(nodes):
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.search import sync

    writer, reader = nodes
    producer = accounts.actor_by_name(writer, "sx")
    pid = products.create_product(writer, producer, {"title": "Quyền trẻ em ở Đăk Kôi"})
    assert found(reader, "quyen tre em") == []
    assert sync.follow_once(reader).applied           # one sync, driven directly
    assert found(reader, "quyen tre em") == [pid]
    follower = sync.Follower(reader).start()           # polling every 0.2 s
    try:
        edited = time.monotonic()
        products.update_product(writer, producer, pid, {"title": "Bình đẳng giới"})
        deadline = edited + 60                         # a bound, not a measured figure
        while found(reader, "binh dang gioi") != [pid]:
            assert time.monotonic() < deadline, "the reader never caught up"
            time.sleep(0.05)
        print(f"edit searchable on the reader {time.monotonic() - edited:.2f} s after it "
              "was made (flush, publish, poll every 0.2 s, copy)")
    finally:
        follower.stop()
    assert found(reader, "quyen tre em") == []
    assert sync.node_status(reader).lag_seconds == 0


def _large_generation(writer, count: int = 400) -> None:
    """Two segments of random words (a few MB) written to the writer's index, published."""
    from app.services.search import sync
    from search_index import IndexedProduct

    rng = random.Random(27)
    syllables = ["ba", "bo", "ca", "cu", "da", "de", "gi", "ha", "kh", "la", "ma", "na",
                 "ng", "nh", "ph", "qu", "ra", "sa", "ta", "th", "tr", "va", "xa", "ye"]
    words = [rng.choice(syllables) + rng.choice(syllables) + rng.choice("aeiouy")
             for _ in range(20000)]
    for start in (10_000, 10_000 + count):
        writer.index.upsert(IndexedProduct(i, f"hồ sơ lớn {i}", text=" ".join(
            rng.choices(words, k=300))) for i in range(start, start + count))
    assert sync.after_write(writer) is not None


def test_a_reader_killed_mid_copy_keeps_the_previous_index(nodes):
    from app.services.catalogue import products
    from app.services.access import accounts
    from app.services.search import sync
    from search_index.snapshots import STAGING, latest_generation

    writer, reader = nodes
    pid = products.create_product(writer, accounts.actor_by_name(writer, "sx"),
                                  {"title": "Bảo vệ rừng"})
    sync.follow_once(reader)
    served = latest_generation(reader.settings.index_dir)
    _large_generation(writer)
    folder = reader.settings.index_dir
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.slow_follower", str(folder),
         writer.settings.s3_bucket, writer.settings.s3_endpoint_url],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 0 for p in (folder / STAGING).glob("*.part")):
            assert child.poll() is None, child.stdout.read().decode()
            assert time.monotonic() < deadline, "the copy never started"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)             # half-way through a segment
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert latest_generation(folder) == served         # the old TOC is still the newest
    assert found(reader, "bao ve rung") == [pid]       # and answers
    assert reader.index.search(SearchQuery(text="hồ sơ lớn")).total == 0
    outcome = sync.follow_once(reader)                 # the next sync completes
    assert outcome.applied and outcome.status.generation > served
    assert reader.index.doc_count() == writer.index.doc_count() == 801
    assert not (folder / STAGING).exists()


def test_a_wrong_file_in_the_bucket_is_refused_and_the_old_index_kept(nodes, tmp_path):
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.search import sync
    from search_index.snapshots import SnapshotError, pointer_key, read_manifest, segment_key

    writer, reader = nodes
    producer = accounts.actor_by_name(writer, "sx")
    first = products.create_product(writer, producer, {"title": "Bảo vệ rừng"})
    sync.follow_once(reader)
    second = products.create_product(writer, producer, {"title": "Bảo vệ biển"})
    manifest = read_manifest(writer.storage, pointer_key())
    new = [f for f in manifest.files if not (reader.settings.index_dir / f.name).exists()][0]
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"x" * new.size)
    writer.storage.put_file(segment_key(new.name), wrong)
    with pytest.raises(SnapshotError, match="refused"):
        sync.follow_once(reader)
    assert found(reader, "bao ve") == [first]
    assert sync.health_line(reader).startswith("degraded")
    writer.storage.delete(segment_key(new.name))
    with pytest.raises(Exception, match=new.name):    # missing: MissingObject names the key
        sync.follow_once(reader)
    assert found(reader, "bao ve") == [first]
    writer.storage.put_file(segment_key(new.name),          # put right: the next sync applies
                            writer.settings.index_dir / new.name)
    sync.follow_once(reader)
    assert sorted(found(reader, "bao ve")) == sorted([first, second])
    assert sync.health_line(reader) == "ok"


def test_garbage_collection_on_the_bucket_keeps_what_the_newest_manifest_names(nodes):
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.search import sync
    from search_index.publishing import collect_garbage
    from search_index.snapshots import pointer_key, read_manifest, segment_key

    writer, reader = nodes
    producer = accounts.actor_by_name(writer, "sx")
    for title in ("Một", "Hai", "Ba"):
        products.create_product(writer, producer, {"title": title})
    writer.index.clear()                               # every old segment leaves the TOC
    from app.services.search import indexing

    indexing.reindex_all(writer)
    newest = read_manifest(writer.storage, pointer_key())
    report = collect_garbage(writer.storage, grace_seconds=0)
    assert report.deleted > 0
    kept = {item.key for item in writer.storage.listing("search/main/")}
    assert {segment_key(f.name) for f in newest.files} <= kept
    assert len(kept) == len(newest.files) + 3          # + its TOC, its manifest, the pointer
    sync.follow_once(reader)
    assert reader.index.doc_count() == 3
