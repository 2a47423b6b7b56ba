"""The index follows the catalogue: create, edit, delete, ingest text, rebuild, check."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main
from app.services.access import accounts
from app.services.search import indexing
from app.services.catalogue import products
from app.services.search import queries
from app.services.instance.setup import health
from app.services.access.actors import Actor
from archive.models import IndexBacklog

PRODUCER = Actor(1, "sx", "producer")
COMMUNE = Actor(2, "xa", "commune")


@pytest.fixture(autouse=True)
def producer(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")


def ids(kho, actor, **params):
    return [h.id for h in queries.search(kho, actor, params).hits]


def test_index_follows_create_edit_and_delete(kho):
    accounts.add_user(kho, "qt", "admin", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Quyền trẻ em ở Đăk Kôi",
                                                  "languages": "vie", "communes": "23485"})
    assert ids(kho, PRODUCER, q="quyen tre em") == [pid]
    assert ids(kho, PRODUCER, q="dak koi", communes="xa-dak-koi-2025") == [pid]
    products.update_product(kho, PRODUCER, pid, {"title": "Bình đẳng giới"})
    assert ids(kho, PRODUCER, q="quyen tre em") == []
    assert ids(kho, PRODUCER, q="binh dang gioi") == [pid]
    products.delete_product(kho, accounts.actor_by_name(kho, "qt"), pid)
    assert ids(kho, PRODUCER, q="binh dang gioi") == []
    with kho.transaction() as s:
        assert s.query(IndexBacklog).count() == 0        # every mark was written


def test_closed_products_are_not_found_by_commune_staff(kho):
    pid = products.create_product(kho, PRODUCER, {"title": "Tài liệu không phổ biến",
                                                  "access": "closed"})
    assert ids(kho, PRODUCER, q="tai lieu") == [pid]
    assert ids(kho, COMMUNE, q="tai lieu") == []


def test_processed_text_becomes_searchable(kho):
    pid = products.create_product(kho, PRODUCER, {"title": "Sổ tay"})
    from app.services.files.intake import receive
    from tests.unit.ingest import media_factory

    pdf = media_factory.text_pdf(kho.settings.instance / "sotay.pdf",
                                 ["Chuong mot: quyen cua nguoi khuyet tat"])  # Type1 font: ASCII
    with pdf.open("rb") as fh:
        receive(kho, PRODUCER, pid, fh, "sổ tay.pdf")
    assert ids(kho, PRODUCER, q="người khuyết tật") == [pid]


def test_reindex_check_reports_and_reindex_repairs(kho, monkeypatch):
    first = products.create_product(kho, PRODUCER, {"title": "Một"})
    second = products.create_product(kho, PRODUCER, {"title": "Hai"})
    kho.index.delete([first])                            # index loses one entry
    report = indexing.check(kho)
    assert report["missing"] == [first] and report["stale"] == []
    monkeypatch.setenv("KHO_INSTANCE_PATH", kho.settings.instance_path)
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    monkeypatch.setenv("KHO_SECRET_KEY", "x")
    kho.close()
    runner = CliRunner()
    checked = runner.invoke(main, ["--lang", "en", "reindex", "--check"])
    assert checked.exit_code == 1 and "missing: 1" in checked.output
    rebuilt = runner.invoke(main, ["--lang", "en", "reindex"])
    assert rebuilt.exit_code == 0 and "Indexed 2 products" in rebuilt.output
    clean = runner.invoke(main, ["--lang", "en", "reindex", "--check"])
    assert clean.exit_code == 0, clean.output
    assert sorted(ids(kho, PRODUCER, sort="title")) == sorted([first, second])


def test_init_after_an_upgrade_rebuilds_an_index_from_another_version(kho, monkeypatch):
    import shutil

    from whoosh import fields, index as whoosh_index

    pid = products.create_product(kho, PRODUCER, {"title": "Quyền của người khuyết tật"})
    kho.close()
    folder = kho.settings.index_dir
    shutil.rmtree(folder)  # as left by an older Kho whose index had other fields
    folder.mkdir()
    whoosh_index.create_in(str(folder), fields.Schema(id=fields.ID(stored=True)))
    assert "reindex" in health(kho)["index"]          # /api/v1/healthz and kho check say so
    monkeypatch.setenv("KHO_INSTANCE_PATH", kho.settings.instance_path)
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    result = CliRunner().invoke(main, ["--lang", "en", "init"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt for this version of Kho: 1 products" in result.output
    assert ids(kho, PRODUCER, q='"quyen cua nguoi khuyet tat"') == [pid]
    again = CliRunner().invoke(main, ["--lang", "en", "init"])
    assert "rebuilt" not in again.output


def _give_a_file(kho, product_ids: list[int]) -> None:
    import io

    from app.services.files.intake import receive
    from tests.unit.web.media import png_bytes

    for pid in product_ids:
        receive(kho, PRODUCER, pid, io.BytesIO(png_bytes(text=str(pid))), "anh.png")
    indexing.update_now(kho, product_ids)


def test_a_merged_commune_finds_what_was_filed_under_the_communes_it_replaced(kho):
    before = products.create_product(kho, PRODUCER, {"title": "Bản tin xã cũ",
                                                     "communes": "xa-dak-koi"})
    after = products.create_product(kho, PRODUCER, {"title": "Bản tin xã mới",
                                                    "communes": "xa-dak-koi-2025"})
    _give_a_file(kho, [before, after])      # commune staff are not shown file-less drafts
    assert sorted(ids(kho, COMMUNE, communes="xa-dak-koi-2025")) == sorted([before, after])
    assert sorted(ids(kho, COMMUNE, communes="23485")) == sorted([before, after])  # GSO code
    assert ids(kho, COMMUNE, communes="xa-dak-koi") == [before]   # the old one: its own only
    assert ids(kho, COMMUNE, communes="xa-atlantis") == []
