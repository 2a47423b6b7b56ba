"""Search on several machines, two instances on separate folders of this machine sharing
the catalogue and the (local folder) object store: the writer publishes after each
flush, the reader follows, never indexes, and reports its generation and lag in
healthz and /metrics. The same on PostgreSQL and the S3 server, with kill -9 of a
reader mid-copy: tests/integration/test_search_nodes_s3.py."""
from __future__ import annotations

import pytest

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.instance.setup import health, init_instance
from app.services.search import indexing, queries, sync
from archive.errors import StorageError, ValidationError
from archive.models import IndexBacklog
from tests.conftest import make_settings, start_from_template

PRODUCER = Actor(1, "sx", "producer")


def ids(kho, text: str) -> list[int]:
    return [h.id for h in queries.search(kho, PRODUCER, {"q": text}).hits]


@pytest.fixture
def writer(tmp_path, initialised_template):
    settings = make_settings(tmp_path / "writer", search_role="writer",
                             storage_path=str(tmp_path / "objects"))
    start_from_template(initialised_template, settings)
    runtime = Kho(settings)
    init_instance(runtime)
    accounts.add_user(runtime, "sx", "producer", "12345678")
    yield runtime
    runtime.close()


def reader_settings(tmp_path, writer, **extra):
    return make_settings(tmp_path / "reader", search_role="reader",
                         storage_path=str(writer.settings.objects_dir),
                         database_url=writer.settings.database, **extra)


@pytest.fixture
def reader(tmp_path, writer):
    runtime = Kho(reader_settings(tmp_path, writer))
    init_instance(runtime)
    yield runtime
    runtime.close()


def test_a_new_reader_starts_from_the_published_index_without_a_rebuild(tmp_path, writer,
                                                                     monkeypatch):
    pid = products.create_product(writer, PRODUCER, {"title": "Quyền trẻ em ở Đăk Kôi"})
    monkeypatch.setattr(indexing, "reindex_all", lambda *a, **k: pytest.fail("rebuilt"))
    runtime = Kho(reader_settings(tmp_path, writer))
    init_instance(runtime)                             # the first sync copies the snapshot
    assert ids(runtime, "quyen tre em") == [pid]
    assert sync.node_status(runtime).lag_seconds == 0
    runtime.close()


def test_an_edit_on_the_writer_is_searchable_on_the_reader_after_one_sync(writer, reader):
    pid = products.create_product(writer, PRODUCER, {"title": "Quyền trẻ em ở Đăk Kôi"})
    assert ids(writer, "quyen tre em") == [pid]        # flushed and published
    assert ids(reader, "quyen tre em") == []           # not yet followed
    assert sync.follow_once(reader).applied
    assert ids(reader, "quyen tre em") == [pid]
    products.update_product(writer, PRODUCER, pid, {"title": "Bình đẳng giới"})
    sync.follow_once(reader)
    assert ids(reader, "binh dang gioi") == [pid] and ids(reader, "quyen tre em") == []
    status = sync.node_status(reader)
    assert status.generation == status.latest_generation == sync.node_status(writer).generation
    assert status.lag_seconds == 0


def test_a_reader_never_writes_its_index(writer, reader):
    before = sync.node_status(reader).generation
    pid = products.create_product(reader, PRODUCER, {"title": "Bảo vệ rừng đầu nguồn"})
    assert sync.node_status(reader).generation == before   # its flush left the mark
    with reader.transaction() as session:
        assert session.get(IndexBacklog, pid) is not None
    with pytest.raises(ValidationError, match="kho reindex"):
        indexing.reindex_all(reader)
    assert indexing.flush(writer) == 1                 # the writer's consumer takes it
    sync.follow_once(reader)
    assert ids(reader, "bao ve rung") == [pid]


def test_healthz_and_metrics_report_the_generation_served_and_the_lag(tmp_path, writer,
                                                                      reader, monkeypatch):
    from app import create_app

    application = create_app(reader_settings(tmp_path, writer, metrics_allow="127.0.0.1"))
    client = application.test_client()
    node = application.extensions["kho"]
    body = client.get("/api/v1/healthz").get_json()
    assert body["checks"]["search"] == "ok"
    served = body["search"]["generation"]
    assert body["search"] == {"role": "reader", "generation": served,
                              "latest_generation": served, "lag_seconds": 0}
    products.create_product(writer, PRODUCER, {"title": "Bảo vệ rừng"})
    real_open = node.storage.open

    def segments_unreachable(key):
        if "/segments/" in key:
            raise StorageError("the store went away")
        return real_open(key)

    monkeypatch.setattr(node.storage, "open", segments_unreachable)
    with pytest.raises(StorageError):
        sync.follow_once(node)
    body = client.get("/api/v1/healthz").get_json()
    assert body["status"] == "degraded" and body["checks"]["search"].startswith("degraded")
    assert body["search"]["generation"] == served
    assert body["search"]["latest_generation"] > served and body["search"]["lag_seconds"] > 0
    text = client.get("/metrics").get_data(as_text=True)
    assert f"kho_search_generation {float(served)}" in text
    assert "kho_search_lag_seconds" in text and "kho_search_latest_generation" in text
    monkeypatch.setattr(node.storage, "open", real_open)
    sync.follow_once(node)
    body = client.get("/api/v1/healthz").get_json()
    assert body["checks"]["search"] == "ok" and body["search"]["lag_seconds"] == 0
    assert body["search"]["generation"] == body["search"]["latest_generation"] > served
    node.close()


def test_a_single_machine_reports_nothing_and_touches_no_store(kho):
    assert sync.node_status(kho) is None and "search" not in health(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    products.create_product(kho, PRODUCER, {"title": "Một"})
    assert sync.after_write(kho) is None
    assert not list(kho.storage.listing("search/"))
    with pytest.raises(ValidationError):
        sync.follow_once(kho)


def test_the_writer_publishes_what_a_killed_flush_left(writer, reader, monkeypatch):
    from app.services.instance import sweeper

    def store_down(*args, **kwargs):
        raise StorageError("the store went away")

    monkeypatch.setattr(sync, "publish", store_down)
    try:                                               # the flush job fails (and is retried)
        products.create_product(writer, PRODUCER, {"title": "Bảo vệ rừng"})
    except StorageError:
        pass
    monkeypatch.undo()
    sync.follow_once(reader)
    assert ids(writer, "bao ve rung") != [] and ids(reader, "bao ve rung") == []
    assert sync.node_status(writer).lag_seconds >= 0
    sweeper.sweep(writer)                              # its next round publishes it
    sync.follow_once(reader)
    assert ids(reader, "bao ve rung") == ids(writer, "bao ve rung")


def test_a_reader_with_nothing_published_says_so(tmp_path, kho):
    settings = make_settings(tmp_path / "lonely", search_role="reader",
                             storage_path=str(tmp_path / "empty-store"),
                             database_url=kho.settings.database)
    lonely = Kho(settings)
    assert sync.health_line(lonely).startswith("degraded")   # never checked
    outcome = sync.follow_once(lonely)
    assert not outcome.applied and outcome.status.generation == -1
    assert sync.health_line(lonely) == \
        "degraded: the search writer has published no generation yet"
    lonely.close()
