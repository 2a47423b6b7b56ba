"""What a user sees when a backing service fails mid-run: the job queue unreachable
(the write is kept, processing pending, the job sent later), the database gone (503
in plain words), the spool disk full (507 naming the setting). And multipart uploads
are written to the spool once."""
from __future__ import annotations

import hashlib
import io
import os
import socket
import tempfile

import pytest
from sqlalchemy import create_engine, func, select

from app.services.instance import jobs
from app.services.common import spool
from archive.models import File
from archive.outbox import JobOutbox
from tests.conftest import make_settings
from tests.unit.api.conftest import Api, build_api


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def queue_down_api(tmp_path):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    yield from build_api(make_settings(tmp_path / "instance", queue_url=url))


def test_queue_down_keeps_every_write_and_sends_the_job_when_it_is_back(queue_down_api: Api,
                                                                         tmp_path):
    api = queue_down_api
    created = api.call("producer", "POST", "/products", json={"title": "Bản tin khi mất hàng đợi"})
    assert created.status_code == 201
    pid = created.get_json()["id"]
    uploaded = api.call("producer", "POST", f"/products/{pid}/files",
                        data={"file": (io.BytesIO(b"ID3" + os.urandom(3000)), "tin.mp3")},
                        content_type="multipart/form-data")
    assert uploaded.status_code == 201
    result = uploaded.get_json()["files"][0]
    assert result["processing"] == "pending"
    edited = api.call("producer", "PATCH", f"/products/{pid}", json={"title": "Đã sửa"})
    assert edited.status_code == 200 and edited.get_json()["title"] == "Đã sửa"
    with api.kho.transaction() as s:
        assert s.get(File, result["file_id"]).status == "queued"
        assert [(o.name, o.args) for o in s.scalars(select(JobOutbox))] == \
            [("file.process", [result["file_id"], False])]
    # the queue is back (here: the same instance on its SQLite queue): start-up sends it
    from app.bootstrap import Kho

    back = Kho(make_settings(api.kho.settings.instance, queue_url=""))
    assert jobs.recover_unfinished(back) >= 1
    assert [a for a in back.queue.waiting_args("file.process")] == [(result["file_id"], False)]
    with back.transaction() as s:
        assert s.scalar(select(func.count(JobOutbox.id))) == 0
    back.close()


def test_a_web_upload_while_the_queue_is_down_says_processing_waits(tmp_path):
    from app import create_app
    from app.services.access.accounts import actor_by_name, add_user
    from app.services.instance.setup import init_instance
    from app.services.catalogue.products import create_product
    from tests.unit.web.conftest import PASSWORD, Browser

    app = create_app(make_settings(tmp_path / "instance",
                                   queue_url=f"redis://127.0.0.1:{closed_port()}/0"))
    kho = app.extensions["kho"]
    init_instance(kho)
    add_user(kho, "sx", "producer", PASSWORD)
    pid = create_product(kho, actor_by_name(kho, "sx"), {"title": "Phóng sự"})
    browser = Browser(app.test_client())
    browser.login("sx")
    response = browser.client.post(f"/products/{pid}/files", data=b"ID3" + bytes(2000),
                                   headers={"X-File-Name": "tin.mp3",
                                            "X-CSRFToken": browser.token(f"/products/{pid}/upload"),
                                            "Content-Type": "application/octet-stream"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["processing"] == "pending" and "hàng đợi" in body["notice"]
    kho.close()


def _database_gone(kho) -> None:
    """Point the running instance at a database server that is not there."""
    dead = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/kho",
                         connect_args={"connect_timeout": 2})
    kho.__dict__["engine"] = dead
    kho.__dict__.pop("sessions", None)


def test_database_gone_answers_503_in_plain_words(api: Api):
    from app.services.access.accounts import add_user
    from tests.unit.web.conftest import PASSWORD, Browser

    pid = api.create()["id"]
    add_user(api.kho, "trang", "producer", PASSWORD)
    browser = Browser(api.app.test_client())
    assert browser.login("trang").status_code == 302
    _database_gone(api.kho)
    response = api.call("producer", "GET", f"/products/{pid}",
                        headers={"Accept-Language": "en"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "unavailable"
    assert "database is not reachable" in body["message"] and "127.0.0.1" not in body["message"]
    page = browser.get(f"/products/{pid}", headers={"Accept-Language": "vi"})
    assert page.status_code == 503
    assert "không kết nối được cơ sở dữ liệu" in page.get_data(as_text=True)


def _full_disk(monkeypatch, spool_dir) -> None:
    """Spool files whose writes fail as on a full disk (/dev/full answers ENOSPC)."""
    real = tempfile.mkstemp

    def mkstemp(prefix="", dir=None):
        fd, name = real(prefix=prefix, dir=dir)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr(spool.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("size", [3000, 700_000])   # a raw body / a multipart part on disk
def test_a_full_spool_disk_answers_507_naming_the_setting(api: Api, monkeypatch, size):
    pid = api.create()["id"]
    _full_disk(monkeypatch, api.kho.settings.spool_dir)
    response = api.call("producer", "POST", f"/products/{pid}/files",
                        data={"file": (io.BytesIO(os.urandom(size)), "phim.mp4")},
                        content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 507, response.get_json()
    assert "spool_path" in response.get_json()["message"]
    assert list(api.kho.settings.spool_dir.iterdir()) == []
    with api.kho.transaction() as s:
        assert s.scalar(select(func.count(File.id))) == 0


def test_a_multipart_upload_is_spooled_once(api: Api, monkeypatch):
    pid = api.create()["id"]
    data = os.urandom(900_000)       # over werkzeug's in-memory threshold

    def second_copy(*_args, **_kwargs):
        raise AssertionError("the upload was copied to a second spool file")

    monkeypatch.setattr(spool, "spool", second_copy)
    response = api.call("producer", "POST", f"/products/{pid}/files",
                        data={"file": (io.BytesIO(data), "anh.bin")},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert list(api.kho.settings.spool_dir.iterdir()) == []
