"""Export and import on the scaled-out engines.

* The migration drill: an instance on SQLite + local folder exports a bag; an empty
  instance on PostgreSQL + the S3 server imports it; the new instance's export of the
  same set has the same metadata and the same checksums (its bag streams every object
  back from S3 and validates).
* The export tests of the unit suite, rerun with the ``kho`` fixture of this folder
  (a PostgreSQL catalogue): receipts, --since last, edits during an export,
  publications, concurrent bags and a kill -9 half-way.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import bagit
from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.exports import packages
from app.services.imports import catalogue_import
from app.services.catalogue import products
from app.services.instance.setup import init_instance
from archive.exports import ImportedProduct
from archive.models import File, Product
from tests import export_catalogue
from tests.conftest import make_settings
from tests.export_catalogue import jsonl, manifest
from tests.s3server import new_s3_storage
from tests.unit.services.exports.test_exports import (  # noqa: F401  (rerun on PostgreSQL)
    catalogue, test_edits_during_an_export_are_in_it_once_or_in_the_next_one,
    test_jsonl_has_one_native_record_per_public_product_and_a_receipt,
    test_kill_9_half_way_leaves_no_package_and_no_receipt,
    test_public_exports_record_publications_for_the_online_rate,
    test_since_last_exports_only_what_changed_after_the_previous_receipt,
    test_the_bulk_reader_gives_exactly_the_records_of_the_orm_path,
    test_two_bags_to_the_same_folder_at_once_give_one_bag_and_one_receipt)
from tests.unit.services.exports.test_export_access import (  # noqa: F401  (PostgreSQL)
    test_a_file_stricter_than_its_public_product_stays_out_of_the_public_bag,
    test_public_records_say_their_access_and_carry_no_consent_giver,
    test_the_full_bag_carries_audience_embargo_note_consents_and_forms,
    test_the_public_profile_leaves_out_what_consent_or_embargo_keeps_back)

OPERATOR = packages.OPERATOR_ACTOR


def _target(tmp_path: Path, migrated_pg_url: str, s3_endpoint: str) -> Kho:
    bucket = new_s3_storage(s3_endpoint).bucket
    kho = Kho(make_settings(tmp_path / "target", database_url=migrated_pg_url, storage="s3",
                            s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                            s3_region="us-east-1", s3_addressing_style="path"))
    init_instance(kho)
    return kho


def _bag(kho: Kho, out: Path, **options) -> packages.ExportResult:
    return packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out,
                                                               **options))


def _payload(bag: Path) -> dict[str, str]:
    """Originals and derivatives of a bag's manifest (metadata files aside)."""
    return {p: d for p, d in manifest(bag).items() if not p.startswith("data/metadata/")}


def test_sqlite_and_folder_to_postgresql_and_s3_keeps_metadata_and_checksums(
        tmp_path, migrated_pg_url, s3_endpoint):
    source = Kho(make_settings(tmp_path / "source"))
    init_instance(source)
    target = _target(tmp_path, migrated_pg_url, s3_endpoint)
    try:
        built = export_catalogue.build(source)
        _bag(source, tmp_path / "from-sqlite", scope="all", with_derivatives=True)
        dry = catalogue_import.import_bag(target, OPERATOR, tmp_path / "from-sqlite", dry_run=True)
        assert dry.created == 3
        with target.transaction() as s:
            assert s.scalar(select(func.count(Product.id))) == 0
        report = catalogue_import.import_bag(target, OPERATOR, tmp_path / "from-sqlite")
        assert (report.created, report.kept_ids, report.conflicts) == (3, 3, [])

        for name, kho in (("a.jsonl", source), ("b.jsonl", target)):
            packages.export(kho, OPERATOR, packages.ExportRequest(format="jsonl", scope="all",
                                                                out=tmp_path / name))
        assert jsonl(tmp_path / "b.jsonl") == jsonl(tmp_path / "a.jsonl")   # same metadata

        _bag(target, tmp_path / "from-postgres", scope="all", with_derivatives=True)
        assert bagit.Bag(str(tmp_path / "from-postgres")).validate()      # read back from S3
        assert _payload(tmp_path / "from-postgres") == _payload(tmp_path / "from-sqlite")
        assert (tmp_path / "from-postgres/data/metadata/records.jsonl").read_bytes() == \
            (tmp_path / "from-sqlite/data/metadata/records.jsonl").read_bytes()
        with target.storage.open(f"originals/{built.poster_sha[:2]}/{built.poster_sha[2:4]}/"
                                 f"{built.poster_sha}") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == built.poster_sha

        again = catalogue_import.import_bag(target, OPERATOR, tmp_path / "from-sqlite")
        assert again.unchanged == 3 and again.created == 0          # nothing duplicated
        with target.transaction() as s:
            assert s.scalar(select(func.count(File.id))) == 2
        fresh = products.create_product(target, OPERATOR, {"title": "Sau khi chuyển"})
        assert fresh > max(built.poster, built.radio, built.secret)   # sequences moved on
    finally:
        source.close()
        target.close()


def test_a_public_bag_without_derivatives_is_processed_into_s3(tmp_path, migrated_pg_url,
                                                               s3_endpoint):
    source = Kho(make_settings(tmp_path / "source"))
    init_instance(source)
    target = _target(tmp_path, migrated_pg_url, s3_endpoint)
    try:
        export_catalogue.build(source)
        _bag(source, tmp_path / "public")
        report = catalogue_import.import_bag(target, OPERATOR, tmp_path / "public")
        assert report.created == 2 and report.queued == 1
        with target.transaction() as s:
            [f] = s.scalars(select(File))
            names = {d.name for d in f.derivatives}
            keys = [d.storage_key for d in f.derivatives]
        assert f.status == "ready" and "thumbnail" in names
        assert all(target.storage.exists(key) for key in keys)
    finally:
        source.close()
        target.close()


def test_an_import_waits_for_an_edit_of_the_same_product_and_reports_it(tmp_path, migrated_pg_url):
    """An editor saving a product while `kho import` reaches it: the import takes the
    product's write lock, waits for the edit, then compares with the edited record
    (a conflict in the report) instead of a version the editor is replacing."""
    import threading
    import time

    from sqlalchemy import text

    source = Kho(make_settings(tmp_path / "source"))
    target = Kho(make_settings(tmp_path / "target-pg", database_url=migrated_pg_url))
    try:
        init_instance(source)
        init_instance(target)
        built = export_catalogue.build(source)
        bag = tmp_path / "bag"
        _bag(source, bag, scope="all", with_derivatives=True)
        catalogue_import.import_bag(target, OPERATOR, bag)
        with target.transaction() as s:
            product_id = s.scalar(select(ImportedProduct.product_id)
                                  .where(ImportedProduct.source_id == built.radio))
        reports, editing = [], threading.Event()

        def edit() -> None:
            with target.transaction() as s:
                product = products.lock_for_edit(s, OPERATOR, product_id)
                product.title = "Sửa trong khi nhập"
                editing.set()
                deadline = time.monotonic() + 30     # until the import waits for us
                # (a transaction sees one snapshot of pg_stat_activity unless cleared)
                while time.monotonic() < deadline and not s.connection().execute(text(
                        "SELECT pg_stat_clear_snapshot(), (SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database())"
                        )).one()[1]:
                    time.sleep(0.05)
                assert time.monotonic() < deadline, "the import never waited for the edit"

        editor = threading.Thread(target=edit)
        editor.start()
        assert editing.wait(30)
        reports.append(catalogue_import.import_bag(target, OPERATOR, bag))
        editor.join(30)
        [conflict] = reports[0].conflicts
        assert conflict.product_id == product_id and conflict.fields == ("title",)
        with target.transaction() as s:
            assert s.get(Product, product_id).title == "Sửa trong khi nhập"
    finally:
        source.close()
        target.close()
