"""kho export: the four formats, receipts, --since last, publications, bad input, and a
kill -9 half-way (embedded defaults: SQLite + local folder)."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bagit
import pytest
from lxml import etree
from sqlalchemy import func, select

from app.services.exports import packages
from app.services.catalogue import products
from app.services.access.actors import Actor
from archive.errors import PermissionDenied, ValidationError
from archive.exports import ExportReceipt
from archive.harvests import Publication
from archive.models import Product
from tests import export_catalogue
from tests.export_catalogue import jsonl, manifest

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
OPERATOR = packages.OPERATOR_ACTOR


@pytest.fixture
def catalogue(kho):
    return export_catalogue.build(kho)


def run(kho, fmt: str, out: Path, actor: Actor = OPERATOR, **options):
    return packages.export(kho, actor, packages.ExportRequest(format=fmt, out=out, **options))


def receipts(kho) -> list[ExportReceipt]:
    with kho.transaction() as s:
        return list(s.scalars(select(ExportReceipt).order_by(ExportReceipt.id)))


def test_jsonl_has_one_native_record_per_public_product_and_a_receipt(kho, catalogue, tmp_path):
    result = run(kho, "jsonl", tmp_path / "kho.jsonl")
    records = jsonl(tmp_path / "kho.jsonl")
    assert [r["id"] for r in records] == [catalogue.poster, catalogue.radio]   # datestamp order
    poster = records[0]
    assert poster["title"].startswith("=HYPERLINK")                # JSON keeps text as it is
    assert [t["code"] for t in poster["languages"]] == ["vie", "bdq"]
    assert poster["files"][0]["sha256"] == catalogue.poster_sha
    assert records[1]["metadata_only"] is True
    [receipt] = receipts(kho)
    assert (receipt.format, receipt.scope, receipt.set_spec, receipt.actor) == \
        ("jsonl", "public", "", "operator")
    assert receipt.count == 2 and result.count == 2
    assert receipt.sha256 == hashlib.sha256((tmp_path / "kho.jsonl").read_bytes()).hexdigest()
    assert receipt.size == (tmp_path / "kho.jsonl").stat().st_size
    newest = max(datetime.fromisoformat(r["updated_at"]) for r in records)
    assert receipt.high_water.replace(tzinfo=timezone.utc) == newest


def test_scope_all_holds_products_that_are_not_public_and_is_for_admins_only(kho, catalogue, tmp_path):
    run(kho, "jsonl", tmp_path / "all.jsonl", scope="all")
    assert catalogue.secret in {r["id"] for r in jsonl(tmp_path / "all.jsonl")}
    from app.services.access import accounts

    accounts.add_user(kho, "vanphong", "office", export_catalogue.PASSWORD)
    office = accounts.actor_by_name(kho, "vanphong")
    with pytest.raises(PermissionDenied):
        run(kho, "jsonl", tmp_path / "x.jsonl", actor=office, scope="all")
    run(kho, "jsonl", tmp_path / "office.jsonl", actor=office)      # public: allowed
    with pytest.raises(PermissionDenied):
        run(kho, "jsonl", tmp_path / "y.jsonl", actor=Actor(8, "xa", "commune"))
    assert [r.actor for r in receipts(kho)] == ["operator", "vanphong"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                              # BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_opens_in_excel_with_vietnamese_lists_dates_and_no_formulas(kho, catalogue, tmp_path):
    run(kho, "csv", tmp_path / "kho.csv")
    poster, radio = _csv_rows(tmp_path / "kho.csv")
    assert poster["title"] == "'=HYPERLINK(\"http://x\")Quyền trẻ em"   # shown as text, not run
    assert poster["description"] == "'+1 dòng một\ndòng hai"
    assert poster["tags"] == "'@lệnh;-2"
    assert poster["languages"] == "vie;bdq" and poster["commune_names"] == "Xã Đăk Rve"
    assert poster["produced_on"] == "31/05/2024" and radio["produced_on"] == "01/02/2023"
    assert len(poster["updated_at"]) == len("31/05/2024 14:00:00")
    assert poster["file_sha256"] == catalogue.poster_sha and radio["files"] == "0"
    assert b"\r\n" in (tmp_path / "kho.csv").read_bytes()
    run(kho, "csv", tmp_path / "iso.csv", dates="iso")
    poster_iso = _csv_rows(tmp_path / "iso.csv")[0]
    assert poster_iso["produced_on"] == "2024-05-31" and poster_iso["updated_at"].endswith("Z")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1"])
def test_every_formula_start_is_neutralised(cell):
    from app.services.exports.formats import neutralise

    assert neutralise(cell) == "'" + cell
    assert neutralise("Quyền " + cell) == "Quyền " + cell


def test_dc_xml_is_one_valid_oai_dc_record_per_product(kho, catalogue, tmp_path):
    run(kho, "dc-xml", tmp_path / "kho.xml")
    document = etree.parse(str(tmp_path / "kho.xml"))
    records = document.getroot().findall("{urn:kho:export:1.0}record")
    assert [r.get("identifier") for r in records] == [f"oai:kho.local:{catalogue.poster}",
                                                      f"oai:kho.local:{catalogue.radio}"]
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.xsd")))
    for record in records:
        schema.assertValid(etree.ElementTree(record[0]))
    titles = document.findall(".//{http://purl.org/dc/elements/1.1/}title")
    assert titles[1].text == "Phóng sự: Quyền của người dân tộc thiểu số"


def test_bagit_bag_validates_and_carries_originals_metadata_and_derivatives(kho, catalogue,
                                                                           tmp_path):
    result = run(kho, "bagit", tmp_path / "bag", with_derivatives=True)
    bag = bagit.Bag(str(tmp_path / "bag"))
    assert bag.validate()
    assert bag.info["Kho-Record-Count"] == "2" and bag.info["Kho-Scope"] == "public"
    # the body that consolidates the plan's reporting today, from the units table
    assert bag.info["Source-Organization"] == "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"
    assert bag.info["Bagging-Date"] == datetime.now(timezone.utc).date().isoformat()
    entries = manifest(tmp_path / "bag")
    sha = catalogue.poster_sha
    assert entries[f"data/originals/{sha[:2]}/{sha[2:4]}/{sha}"] == sha
    assert not any(catalogue.secret_sha in path for path in entries)     # restricted: not here
    derivatives = [p for p in entries if p.startswith("data/derivatives/")]
    assert {Path(p).stem for p in derivatives} >= {"thumbnail", "preview"}
    assert {"data/metadata/records.jsonl", "data/metadata/records.dc.xml",
            "data/metadata/files.jsonl"} <= set(entries)
    assert [r["id"] for r in jsonl(tmp_path / "bag/data/metadata/records.jsonl")] == \
        [catalogue.poster, catalogue.radio]
    tagmanifest = (tmp_path / "bag/tagmanifest-sha256.txt").read_bytes()
    assert result.sha256 == hashlib.sha256(tagmanifest).hexdigest() == receipts(kho)[0].sha256
    plain = run(kho, "bagit", tmp_path / "plain")
    assert not any(p.startswith("data/derivatives/") for p in manifest(tmp_path / "plain"))
    # one original + five metadata files (with deleted.jsonl and activities.jsonl)
    assert plain.objects == 6


def _age_everything(kho, hours: float = 1, receipts_too: bool = True) -> None:
    """Move datestamps (and receipt times) back, as if all happened ``hours`` ago."""
    back = timedelta(hours=hours)
    with kho.transaction() as s:
        for p in s.scalars(select(Product)):
            p.updated_at -= back
        for r in s.scalars(select(ExportReceipt)) if receipts_too else ():
            r.started_at, r.finished_at = r.started_at - back, r.finished_at - back
            r.high_water = r.high_water - back if r.high_water else None


def test_since_last_exports_only_what_changed_after_the_previous_receipt(kho, catalogue,
                                                                         tmp_path):
    _age_everything(kho)
    first = run(kho, "jsonl", tmp_path / "1.jsonl", since="last")
    assert first.count == 2 and first.since.previous is None
    _age_everything(kho)
    products.update_product(kho, OPERATOR, catalogue.radio, {"title": "Phóng sự mới"})
    _age_everything(kho, hours=0.2, receipts_too=False)     # the edit: twelve minutes ago
    second = run(kho, "jsonl", tmp_path / "2.jsonl", since="last")
    assert [r["title"] for r in jsonl(tmp_path / "2.jsonl")] == ["Phóng sự mới"]
    assert second.since.previous == first.receipt_id
    third = run(kho, "jsonl", tmp_path / "3.jsonl", since="last")
    assert third.count == 0 and (tmp_path / "3.jsonl").read_bytes() == b""
    marks = [r.high_water for r in receipts(kho)]
    assert marks[2] == marks[1]                   # an empty export carries the mark on
    other = run(kho, "csv", tmp_path / "other.csv", since="last")   # another format: its own chain
    assert other.count == 2


def test_since_a_date_and_a_set_select_products(kho, catalogue, tmp_path):
    year = run(kho, "jsonl", tmp_path / "y.jsonl", set_spec="year:2023")
    assert [r["id"] for r in jsonl(tmp_path / "y.jsonl")] == [catalogue.radio] and year.count == 1
    run(kho, "jsonl", tmp_path / "k.jsonl", set_spec="kind:poster")
    assert [r["id"] for r in jsonl(tmp_path / "k.jsonl")] == [catalogue.poster]
    future = run(kho, "jsonl", tmp_path / "f.jsonl", since="31/12/2099")
    assert future.count == 0
    assert run(kho, "jsonl", tmp_path / "p.jsonl", since="2000-01-01T00:00:00Z").count == 2
    assert {r.set_spec for r in receipts(kho)} == {"year:2023", "kind:poster", ""}


def test_public_exports_record_publications_for_the_online_rate(kho, catalogue, tmp_path):
    run(kho, "jsonl", tmp_path / "all.jsonl", scope="all")
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Publication)) == 0   # backups don't count
    result = run(kho, "jsonl", tmp_path / "public.jsonl")
    with kho.transaction() as s:
        rows = {p.product_id: p for p in s.scalars(select(Publication))}
        stamps = {p.id: p.updated_at for p in s.scalars(select(Product))}
    assert set(rows) == {catalogue.poster, catalogue.radio}
    for product_id, row in rows.items():
        assert row.via == "export" and row.receipt_id == result.receipt_id
        assert row.version_at == stamps[product_id]          # the version sent is the current one


@pytest.mark.parametrize("options,field", [
    ({"format": "xml"}, "format"),
    ({"format": "jsonl", "scope": "everyone"}, "scope"),
    ({"format": "jsonl", "since": "hôm qua"}, "since"),
    ({"format": "jsonl", "set_spec": "colour:red"}, "set"),
    ({"format": "jsonl", "set_spec": "kind:no-such-kind"}, "set"),
    ({"format": "jsonl", "set_spec": "language:xyz"}, "set"),
    ({"format": "csv", "dates": "us"}, "dates"),
    ({"format": "jsonl", "with_derivatives": True}, "with_derivatives"),
])
def test_bad_options_are_refused_naming_the_option_and_leave_no_receipt(kho, catalogue, tmp_path,
                                                                        options, field):
    with pytest.raises(ValidationError) as error:
        packages.export(kho, OPERATOR, packages.ExportRequest(out=tmp_path / "x", **options))
    assert error.value.field == field
    assert receipts(kho) == [] and _written(tmp_path) == []


def _written(folder: Path) -> list[str]:
    """What an export left in ``folder`` (the instance folder aside)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "instance")


def test_bad_output_paths_are_refused(kho, catalogue, tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        run(kho, "jsonl", tmp_path / "no" / "such" / "x.jsonl")
    (tmp_path / "bag").mkdir()
    with pytest.raises(ValidationError, match="already exists"):
        run(kho, "bagit", tmp_path / "bag")
    with pytest.raises(ValidationError, match="is a folder"):
        run(kho, "jsonl", tmp_path / "bag")
    assert receipts(kho) == []


def test_two_bags_to_the_same_folder_at_once_give_one_bag_and_one_receipt(kho, catalogue,
                                                                          tmp_path):
    outcomes: list[object] = []

    def export_bag() -> None:
        try:
            outcomes.append(run(kho, "bagit", tmp_path / "bag", with_derivatives=True))
        except ValidationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=export_bag) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [o for o in outcomes if isinstance(o, packages.ExportResult)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(done) == 1 and len(refused) == 1 and "already exists" in str(refused[0])
    assert bagit.Bag(str(tmp_path / "bag")).validate()
    assert [r.sha256 for r in receipts(kho)] == [done[0].sha256]
    assert _written(tmp_path) == ["bag"]                          # no partial folder left


def test_the_bulk_reader_gives_exactly_the_records_of_the_orm_path(kho, catalogue):
    from app.services.records.bulk_read import iter_views
    from sqlalchemy import select

    from app.services.records.native import RECORD_LOAD, RecordQuery, conditions, record_of
    from archive.models import Product

    for query in (RecordQuery(scope="all"), RecordQuery(set=None, scope="public")):
        with kho.transaction() as s:      # the ORM path of a single record (GetRecord)
            products = s.scalars(select(Product).options(*RECORD_LOAD)
                                 .where(*conditions(query))
                                 .order_by(Product.updated_at, Product.id))
            orm = [record_of(p, kho.settings, ready_only=False) for p in products]
            bulk = [record_of(view, kho.settings, ready_only=False)
                    for view in iter_views(s, query, batch=2)]       # batches of two
        assert bulk == orm and len(orm) >= 2


def many_originals(kho, count: int, size: int) -> None:
    """``count`` products with one random original of ``size`` bytes each."""
    from app.services.files.intake import receive

    producer = accounts_actor(kho)
    for n in range(count):
        product = products.create_product(kho, producer, {"title": f"Bản ghi âm {n}"})
        receive(kho, producer, product, io.BytesIO(os.urandom(size)), f"ghi-am-{n}.bin",
                queue=False)


def accounts_actor(kho) -> Actor:
    from app.services.access import accounts

    return accounts.actor_by_name(kho, "sx")


def test_kill_9_half_way_leaves_no_package_and_no_receipt(kho, catalogue, tmp_path,
                                                          monkeypatch):
    from tests.conftest import point_cli_at

    many_originals(kho, 30, 512 * 1024)
    point_cli_at(monkeypatch, kho, tmp_path)
    monkeypatch.setenv("KHO_DATABASE_URL", kho.settings.database)   # SQLite or PostgreSQL
    command = [sys.executable, "-m", "app", "export", "--format", "bagit", "--scope", "all",
               "--out", "bag"]
    # at the lowest priority, so on a busy machine the export cannot run to its end
    # between two looks of this process (it did once, under a load of 10)
    process = subprocess.Popen(command, env=dict(os.environ), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: os.nice(19))
    copied = _wait_for_partial_payload(tmp_path, process, files=5)
    process.kill()                                   # SIGKILL: no cleanup, no finally
    process.wait()
    assert copied, "the export finished before it could be killed half-way"
    assert not (tmp_path / "bag").exists()
    assert [p.name.startswith(".bag.partial-") for p in tmp_path.iterdir()
            if p.name != "instance"] == [True]
    assert receipts(kho) == []
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Publication)) == 0
    done = subprocess.run(command, env=dict(os.environ), cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert bagit.Bag(str(tmp_path / "bag")).validate() and len(receipts(kho)) == 1


def _wait_for_partial_payload(folder: Path, process, files: int, seconds: float = 120) -> bool:
    """True once a partial bag holds ``files`` originals while the export still runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        for partial in folder.glob(".bag.partial-*"):
            if sum(p.is_file() for p in (partial / "data" / "originals").rglob("*")) >= files:
                return True
        time.sleep(0.005)
    return False


def test_a_public_bag_lists_what_the_public_no_longer_sees(kho, catalogue, tmp_path):
    products.update_product(kho, OPERATOR, catalogue.radio, {"access": "internal"})
    products.delete_product(kho, OPERATOR, catalogue.poster)
    run(kho, "bagit", tmp_path / "bag")
    gone = jsonl(tmp_path / "bag/data/metadata/deleted.jsonl")
    assert {(g["id"], g["reason"]) for g in gone} == {(catalogue.poster, "deleted"),
                                                     (catalogue.radio, "access")}
    assert gone[0]["identifier"].startswith("oai:kho.local:")
    assert jsonl(tmp_path / "bag/data/metadata/records.jsonl") == []
    assert bagit.Bag(str(tmp_path / "bag")).validate()


def test_edits_during_an_export_are_in_it_once_or_in_the_next_one(kho, catalogue, tmp_path):
    """Products edited while an export streams: none is written twice or lost; what
    changed after the export read it comes with the next ``--since last``."""
    producer = accounts_actor(kho)
    ids = [products.create_product(kho, producer, {"title": f"Tin số {n}"})
           for n in range(150)]
    _age_everything(kho)
    edited: list[int] = []

    def edit_while_exporting(_done: int) -> None:
        if not edited:                       # first callback: 50 products written
            for product_id in (ids[0], ids[-1]):
                products.update_product(kho, producer, product_id, {"title": f"Sửa {product_id}"})
                edited.append(product_id)

    plan = packages.plan_export(kho, OPERATOR, packages.ExportRequest(
        format="jsonl", out=tmp_path / "1.jsonl", since="last"))
    packages.run_export(kho, OPERATOR, plan, progress=edit_while_exporting)
    first = [r["id"] for r in jsonl(tmp_path / "1.jsonl")]
    assert len(first) == len(set(first)) == 152          # every public product, once
    assert edited == [ids[0], ids[-1]]
    _age_everything(kho, hours=0.2, receipts_too=False)
    run(kho, "jsonl", tmp_path / "2.jsonl", since="last")
    second = {r["id"]: r["title"] for r in jsonl(tmp_path / "2.jsonl")}
    assert second == {ids[0]: f"Sửa {ids[0]}", ids[-1]: f"Sửa {ids[-1]}"}
