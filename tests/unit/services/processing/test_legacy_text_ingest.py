"""A Word document typed in TCVN3 (.VnTime), end to end through the services: uploaded,
processed, found by "Cộng hòa", its history saying what was converted from what, its
original bytes untouched; and a manifest saved in TCVN3 read by ``kho ingest``.
(tests/integration/test_legacy_text_stack.py runs the upload on PostgreSQL + S3.)"""
from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.files import bulk_ingest
from app.services.files.intake import receive
from app.services.search import indexing, queries
from archive.models import Derivative, Event, File, Product
from ingest.legacy_tables import TCVN3
from tests.unit.ingest import document_factory as df
from tests.unit.ingest.legacy_samples import encode

PRODUCER = Actor(1, "sx", "producer")
PARAGRAPHS = ["Céng hoµ x· héi chñ nghÜa ViÖt Nam", "§éc lËp - Tù do - H¹nh phóc",
              "Th«ng b¸o vÒ viÖc tuyªn truyÒn phßng, chèng b¹o lùc gia ®×nh"]


def tcvn3_docx(tmp_path) -> bytes:
    """A .docx whose runs hold TCVN3 text, as Word saves a .VnTime document."""
    return df.docx(tmp_path / "cv.docx", PARAGRAPHS).read_bytes()


def upload_tcvn3_docx(kho, tmp_path) -> tuple[int, int, bytes]:
    """(product id, file id, the bytes uploaded), processed and indexed."""
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Thông báo số 12",
                                                  "kind": "publication"})
    data = tcvn3_docx(tmp_path)
    got = receive(kho, PRODUCER, pid, io.BytesIO(data), "thông báo.docx")
    indexing.update_now(kho, [pid])
    return pid, got.file_id, data


def check_tcvn3_docx(kho, pid: int, fid: int, data: bytes) -> None:
    """What a TCVN3 document must give, on any database and storage."""
    with kho.transaction() as s:
        f = s.get(File, fid)
        assert f.status == "ready", f.error_detail
        assert f.text.startswith("Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do")
        assert "phòng, chống bạo lực gia đình" in f.text
        assert f.technical["legacy_encoding"] == "tcvn3" \
            and f.technical["encoding"] == "TCVN3 (ABC, .VnTime)"
        key, sha = f.storage_key, f.sha256
        text_key = s.scalar(select(Derivative.storage_key).where(
            Derivative.file_id == fid, Derivative.name == "text"))
    # the original is kept byte for byte; the Unicode text is a derivative beside it
    assert sha == hashlib.sha256(data).hexdigest()
    with kho.storage.open(key) as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == sha
    with kho.storage.open(text_key) as derived:
        assert derived.read().decode("utf-8").startswith("Cộng hoà xã hội")
    hits = queries.search(kho, PRODUCER, {"q": "Cộng hòa"}).hits
    assert pid in [h.id for h in hits]
    assert pid in [h.id for h in queries.search(kho, PRODUCER, {"q": '"bạo lực gia đình"'}).hits]
    history = products.product_history(kho, PRODUCER, pid)
    [event] = [e for e in history if e["action"] == "encoding"]
    assert event["file_id"] == fid and event["outcome"] == "ok"
    assert event["detail"].startswith("text converted from TCVN3 (ABC, .VnTime) to Unicode: "
                                      "3 lines")


def test_a_tcvn3_docx_is_found_by_cong_hoa(kho, tmp_path):
    pid, fid, data = upload_tcvn3_docx(kho, tmp_path)
    check_tcvn3_docx(kho, pid, fid, data)


def test_the_same_document_in_unicode_is_left_alone(kho, tmp_path):
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Thông báo"})
    path = df.docx(tmp_path / "u.docx", ["Cộng hòa xã hội chủ nghĩa Việt Nam", "Tà Xùa",
                                         "Lê Thu Hà, Vì dân"])
    fid = receive(kho, PRODUCER, pid, path.open("rb"), "u.docx").file_id
    with kho.transaction() as s:
        f = s.get(File, fid)
        assert f.text == "Cộng hòa xã hội chủ nghĩa Việt Nam\nTà Xùa\nLê Thu Hà, Vì dân"
        assert "legacy_encoding" not in f.technical
        assert not s.scalars(select(Event).where(Event.file_id == fid,
                                                 Event.action == "encoding")).all()


def test_a_manifest_saved_in_tcvn3_gives_unicode_titles_and_says_so(kho, tmp_path):
    accounts.add_user(kho, "quantri", "admin", "12345678")
    admin = bulk_ingest.ingest_actor(kho)
    (tmp_path / "lo").mkdir()
    (tmp_path / "lo" / "bai.docx").write_bytes(tcvn3_docx(tmp_path))
    title = "Thông báo tuyên truyền phòng chống bạo lực gia đình"
    text = f"Tiêu đề,Tệp\r\n{title},bai.docx\r\n"
    manifest = tmp_path / "lo" / "danh sách.csv"
    manifest.write_bytes(encode(text, TCVN3)[0].encode("latin-1"))
    batch = bulk_ingest.prepare([tmp_path / "lo"], manifest)
    assert [str(w) for w in batch.warnings] == [
        "danh sách.csv: text typed in TCVN3 (ABC, .VnTime) was converted to Unicode"]
    result = bulk_ingest.run(kho, admin, batch)
    [row] = result.rows
    assert row.outcome == "ok", row.message
    with kho.transaction() as s:
        assert s.get(Product, row.product_id).title == title
        details = s.scalars(select(Event.detail).where(Event.product_id == row.product_id,
                                                       Event.action == "encoding")).all()
    assert any(d.startswith("metadata of manifest ") and
               d.endswith("converted from TCVN3 (ABC, .VnTime) to Unicode") for d in details)
    assert any(d.startswith("text converted from TCVN3") for d in details)    # the .docx
