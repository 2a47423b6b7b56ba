"""The activities register across engines: an instance on SQLite + a local folder
exports a full bag with activities, evidence files and a named participant; an empty
instance on PostgreSQL + the S3 server imports it with the same activities, counts,
people and evidence checksums (re-read from S3), and records new activities after it
(the id sequences moved past the restored ids)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.access.actors import SYSTEM
from app.services.activities import register
from app.services.exports import packages
from app.services.imports import catalogue_import
from app.services.instance.setup import init_instance
from archive.activities import Activity
from tests import activity_catalogue, export_catalogue
from tests.conftest import make_settings
from tests.integration.test_export_import_stack import _target
from tests.unit.services.activities.test_bags import summary

OPERATOR = packages.OPERATOR_ACTOR


def test_a_bag_with_activities_restores_into_postgresql_and_s3(tmp_path, migrated_pg_url,
                                                               s3_endpoint):
    source = Kho(make_settings(tmp_path / "source"))
    init_instance(source)
    target = _target(tmp_path, migrated_pg_url, s3_endpoint)
    try:
        catalogue = export_catalogue.build(source)
        built = activity_catalogue.build(source, catalogue.poster)
        packages.export(source, OPERATOR, packages.ExportRequest(
            format="bagit", out=tmp_path / "backup", scope="all"))
        report = catalogue_import.import_bag(target, OPERATOR, tmp_path / "backup")
        assert report.activities.activities == 2 and report.activities.evidence == 3
        before, after = summary(source), summary(target)
        assert after == before
        assert set(after["stored"].values()) == set(built.checksums)   # bytes in S3
        new = register.create_activity(target, SYSTEM, {
            "kind": "contest", "title": "Cuộc thi tìm hiểu pháp luật", "starts_on": "2025-10-01",
            "organiser": "xa-dak-koi-2025"})
        assert new > built.briefing
        with target.transaction() as s:
            assert s.scalar(select(func.count(Activity.id))) == 3
    finally:
        source.close()
        target.close()
