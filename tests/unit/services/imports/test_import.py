"""kho import: restore, merge, conflicts, vocabularies, dry run and damaged bags
(embedded defaults: SQLite + local folder for both instances)."""
from __future__ import annotations

import os
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.exports import packages
from app.services.imports import catalogue_import
from app.services.catalogue import products
from app.services.instance.setup import init_instance
from archive.errors import ValidationError
from archive.exports import ImportedProduct
from archive.models import Derivative, File, Product, Term
from tests import export_catalogue
from tests.stored_keys import stored_keys
from tests.conftest import make_settings, point_cli_at, start_from_template
from tests.export_catalogue import jsonl, manifest

OPERATOR = packages.OPERATOR_ACTOR


@pytest.fixture
def catalogue(kho):
    return export_catalogue.build(kho)


@pytest.fixture
def bag(kho, catalogue, tmp_path) -> Path:
    """A full backup of the ``kho`` instance: every product, originals and derivatives."""
    out = tmp_path / "backup"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out, scope="all",
                                                        with_derivatives=True))
    return out


def new_instance(tmp_path: Path, name: str, template: Path | None = None, **settings) -> Kho:
    """An initialised instance in ``tmp_path / name`` (a copy of ``template``, the
    process's initialised instance folder, when given: no migrations run again)."""
    config = make_settings(tmp_path / name, **settings)
    if template is not None:
        start_from_template(template, config)
    runtime = Kho(config)
    init_instance(runtime)
    return runtime


@pytest.fixture
def other(tmp_path, initialised_template):
    runtime = new_instance(tmp_path, "other", initialised_template)
    yield runtime
    runtime.close()


def counts(kho) -> tuple[int, int, int]:
    with kho.transaction() as s:
        return (s.scalar(select(func.count(Product.id))), s.scalar(select(func.count(File.id))),
                s.scalar(select(func.count(Derivative.id))))


def export_all(kho, out: Path) -> list[dict]:
    packages.export(kho, OPERATOR, packages.ExportRequest(format="jsonl", out=out, scope="all"))
    return jsonl(out)


def test_restore_into_an_empty_instance_gives_back_the_same_records_and_objects(
        kho, catalogue, bag, other, tmp_path):
    report = catalogue_import.import_bag(other, OPERATOR, bag)
    assert (report.created, report.kept_ids, report.conflicts) == (3, 3, [])
    assert report.originals == 2 and report.queued == 0          # derivatives came along
    assert export_all(other, tmp_path / "b.jsonl") == export_all(kho, tmp_path / "a.jsonl")
    for key in stored_keys(kho.storage):
        assert other.storage.exists(key) and other.storage.size(key) == kho.storage.size(key)
    with other.transaction() as s:
        source = s.scalar(select(ImportedProduct.source).limit(1))
    assert source == "kho.local"


def test_importing_twice_duplicates_nothing(kho, catalogue, bag, other):
    catalogue_import.import_bag(other, OPERATOR, bag)
    before = counts(other)
    again = catalogue_import.import_bag(other, OPERATOR, bag)
    assert (again.created, again.unchanged, again.originals) == (0, 3, 0)
    assert counts(other) == before
    assert catalogue_import.import_bag(kho, OPERATOR, bag).unchanged == 3   # its own bag: matched by id


def test_merge_keeps_local_products_and_reports_conflicts_without_overwriting(
        kho, catalogue, bag, tmp_path):
    other = new_instance(tmp_path, "merge", oai_repository_identifier="kho.dakha.gov.vn")
    try:
        local = products.create_product(other, OPERATOR, {"title": "Sản phẩm của huyện khác"})
        first = catalogue_import.import_bag(other, OPERATOR, bag)
        assert first.created == 3 and first.kept_ids == 0            # new ids beside the local one
        with other.transaction() as s:
            ids = {i.source_id: i.product_id for i in s.scalars(select(ImportedProduct))}
        assert local not in ids.values() and len(set(ids.values())) == 3
        products.update_product(other, OPERATOR, ids[catalogue.radio], {"title": "Sửa ở đây"})
        second = catalogue_import.import_bag(other, OPERATOR, bag)
        [conflict] = second.conflicts
        assert conflict.source_id == catalogue.radio and conflict.fields == ("title",)
        assert second.unchanged == 2 and counts(other)[0] == 4
        with other.transaction() as s:
            assert s.get(Product, ids[catalogue.radio]).title == "Sửa ở đây"   # not overwritten
        products.delete_product(other, OPERATOR, ids[catalogue.poster])
        third = catalogue_import.import_bag(other, OPERATOR, bag)
        assert any(c.deleted and c.source_id == catalogue.poster for c in third.conflicts)
        assert counts(other)[0] == 3                                  # not brought back
    finally:
        other.close()


def test_vocabularies_are_mapped_by_label_or_created(kho, catalogue, other, tmp_path):
    with kho.transaction() as s:
        s.add(Term(vocabulary="theme", code="tre-em-vung-cao", label_vi="Trẻ em vùng cao"))
        s.add(Term(vocabulary="channel", code="loa-keo", label_vi="Loa kéo di động"))
    products.update_product(kho, OPERATOR, catalogue.radio,
                            {"themes": ["tre-em-vung-cao"], "channels": ["loa-keo"]})
    with other.transaction() as s:                      # the same channel under another code
        s.add(Term(vocabulary="channel", code="mobile-speaker", label_vi="Loa kéo di động"))
    out = tmp_path / "bag2"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out, scope="all"))
    dry = catalogue_import.import_bag(other, OPERATOR, out, dry_run=True)
    assert dry.vocabulary.created_terms == ["theme:tre-em-vung-cao"]
    assert dry.vocabulary.mapped_terms == ["channel:loa-keo -> mobile-speaker"]
    catalogue_import.import_bag(other, OPERATOR, out)
    with other.transaction() as s:
        radio = s.get(Product, catalogue.radio)
        assert radio.codes_of("theme") == ["tre-em-vung-cao"]
        assert radio.codes_of("channel") == ["mobile-speaker"]


def test_a_dry_run_writes_nothing_and_says_what_would_happen(kho, catalogue, bag, other):
    report = catalogue_import.import_bag(other, OPERATOR, bag, dry_run=True)
    assert report.dry_run and report.created == 3 and report.originals == 2
    assert counts(other) == (0, 0, 0) and list(stored_keys(other.storage)) == []


def test_a_bag_without_derivatives_is_processed_after_import(kho, catalogue, other, tmp_path):
    out = tmp_path / "public"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out))
    report = catalogue_import.import_bag(other, OPERATOR, out)
    assert report.created == 2 and report.queued == 1            # queue is immediate in tests
    with other.transaction() as s:
        [f] = s.scalars(select(File))
        assert f.status == "ready" and {d.name for d in f.derivatives} >= {"thumbnail"}


def _original(bag: Path, sha: str) -> Path:
    return bag / "data/originals" / sha[:2] / sha[2:4] / sha


@pytest.mark.parametrize("damage,expected", [
    ("tamper", "does not match its SHA-256"),
    ("truncate", "does not match its SHA-256"),
    ("remove", "is listed in the manifest but missing"),
    ("add", "is in the bag but not in its manifest"),
])
def test_a_damaged_bag_is_refused_naming_the_file_and_nothing_is_imported(
        kho, catalogue, bag, other, damage, expected):
    original = _original(bag, catalogue.poster_sha)
    if damage == "tamper":
        data = bytearray(original.read_bytes())
        data[100] ^= 0xFF
        original.write_bytes(bytes(data))
    elif damage == "truncate":
        with open(original, "r+b") as handle:
            handle.truncate(original.stat().st_size // 2)
    elif damage == "remove":
        original.unlink()
    else:
        (bag / "data/originals/extra.bin").write_bytes(b"not listed")
    with pytest.raises(ValidationError) as error:
        catalogue_import.import_bag(other, OPERATOR, bag)
    named = "extra.bin" if damage == "add" else catalogue.poster_sha
    assert expected in str(error.value) and named in str(error.value)
    assert named in error.value.field
    assert counts(other) == (0, 0, 0) and list(stored_keys(other.storage)) == []


def test_edited_metadata_in_a_bag_is_caught_by_the_tag_manifest(kho, catalogue, bag, other):
    records = bag / "data/metadata/records.jsonl"
    records.write_text(records.read_text(encoding="utf-8").replace("Quyền", "Quyen"),
                       encoding="utf-8")
    with pytest.raises(ValidationError, match="records.jsonl does not match"):
        catalogue_import.import_bag(other, OPERATOR, bag)
    assert counts(other) == (0, 0, 0)


def test_folders_that_are_not_kho_bags_are_refused(other, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("xin chào", encoding="utf-8")
    with pytest.raises(ValidationError, match="not a BagIt bag"):
        catalogue_import.import_bag(other, OPERATOR, plain)
    bagit.make_bag(str(plain), {"Source-Organization": "Thư viện"})
    with pytest.raises(ValidationError, match="not a Kho export"):
        catalogue_import.import_bag(other, OPERATOR, plain)
    with pytest.raises(ValidationError, match="not a BagIt bag"):
        catalogue_import.import_bag(other, OPERATOR, tmp_path / "missing")
    assert counts(other) == (0, 0, 0)


def test_only_admins_import(kho, bag, other):
    from archive.errors import PermissionDenied
    from app.services.access.actors import Actor

    with pytest.raises(PermissionDenied):
        catalogue_import.import_bag(other, Actor(3, "sx", "producer"), bag)


def test_kho_export_and_import_commands(kho, catalogue, other, tmp_path, monkeypatch):
    from app.cli import main

    point_cli_at(monkeypatch, kho, tmp_path)
    runner = CliRunner()          # .output holds stdout and stderr as a terminal shows them
    done = runner.invoke(main, ["--lang", "en", "export", "--format", "bagit", "--out", "bag",
                                "--scope", "all", "--with-derivatives"])
    assert done.exit_code == 0, done.output
    assert "Exported 3 products" in done.output and "Receipt 1, SHA-256" in done.output
    bad = runner.invoke(main, ["export", "--format", "pdf", "--out", "x"])
    assert bad.exit_code == 2 and "định dạng pdf không hợp lệ" in bad.output
    bad_since = runner.invoke(main, ["--lang", "en", "export", "--format", "csv", "--out", "x",
                                     "--since", "tomorrow"])
    assert bad_since.exit_code == 2 and "since" in bad_since.output
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(other.settings.instance))
    dry = runner.invoke(main, ["--lang", "en", "import", "bag", "--dry-run"])
    assert dry.exit_code == 0 and "Dry run" in dry.output and "created 3" in dry.output
    assert counts(other)[0] == 0
    real = runner.invoke(main, ["import", "bag"])
    assert real.exit_code == 0 and "tạo mới 3" in real.output
    original = _original(tmp_path / "bag", catalogue.secret_sha)
    os.truncate(original, 10)
    broken = runner.invoke(main, ["--lang", "en", "import", "bag"])
    assert broken.exit_code == 2
    assert catalogue.secret_sha in broken.output


def test_kill_9_half_way_through_an_import_then_again_duplicates_nothing(kho, catalogue,
                                                                         tmp_path, monkeypatch):
    import subprocess
    import sys
    import time

    from tests.unit.services.exports.test_exports import many_originals

    many_originals(kho, 30, 256 * 1024)
    source_counts = counts(kho)
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=tmp_path / "bag",
                                                        scope="all"))
    target = new_instance(tmp_path, "target")
    point_cli_at(monkeypatch, target, tmp_path)
    monkeypatch.setenv("KHO_DATABASE_URL", target.settings.database)
    command = [sys.executable, "-m", "app", "import", "bag"]
    process = subprocess.Popen(command, env=dict(os.environ), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, seen = time.monotonic() + 120, 0
    while time.monotonic() < deadline and process.poll() is None and seen < 5:
        seen = counts(target)[0]
        time.sleep(0.01)
    process.kill()
    process.wait()
    assert 5 <= seen < source_counts[0], "the import was not caught half-way"
    again = subprocess.run(command, env=dict(os.environ), cwd=tmp_path, capture_output=True)
    assert again.returncode == 0, again.stderr.decode()
    assert counts(target)[:2] == source_counts[:2]              # every product and file, once
    with target.transaction() as s:
        shas = list(s.scalars(select(File.sha256)))
        identities = s.scalar(select(func.count(ImportedProduct.id)))
    assert len(shas) == len(set(shas)) and identities == source_counts[0]
    from datetime import timedelta

    from sqlalchemy import update

    from app.services.instance.jobs import recover_unfinished
    from archive.base import utcnow

    with target.transaction() as s:      # the killed process's leases have run out by now
        s.execute(update(File).where(File.status == "processing")
                  .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    recover_unfinished(target)           # what a worker does when it starts
    with target.transaction() as s:
        statuses = set(s.scalars(select(File.status)))
    assert statuses <= {"ready", "failed"}, statuses            # no file stuck "queued"
    target.close()


def test_imported_originals_reach_the_replica_as_uploads_do(kho, catalogue, bag, tmp_path):
    replica = tmp_path / "replica"
    replica.mkdir()
    target = new_instance(tmp_path, "copied", replica_storage="local",
                          replica_storage_path=str(replica))
    try:
        catalogue_import.import_bag(target, OPERATOR, bag)
        for sha in (catalogue.poster_sha, catalogue.secret_sha):
            key = f"originals/{sha[:2]}/{sha[2:4]}/{sha}"
            assert target.storage.exists(key) and target.replica.exists(key)
    finally:
        target.close()
