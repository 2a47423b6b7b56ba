"""Fixity and the replica on the S3 server (moto) with PostgreSQL: a flipped byte, a
deleted or truncated object in the primary bucket or the replica bucket is found by
``kho fixity``, reported by healthz, and repaired from the other copy; a replica
bucket that is unusable during intake, then back, is caught up from the outbox."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from app.services.access import accounts
from app.services.preservation import fixity
from app.services.preservation import status
from app.services.catalogue import products
from app.services.preservation import replication
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.preservation import MISMATCH, MISSING, PRIMARY, REPLICA
from tests.conftest import make_settings
from tests.s3server import new_s3_storage, unique_bucket_name

pytestmark = pytest.mark.integration
PRODUCER = Actor(1, "sx", "producer")


def s3_instance(tmp_path: Path, migrated_pg_url: str, endpoint: str,
                replica_bucket: str | None = None):
    from app import create_app
    from app.services.instance.setup import init_instance

    primary = new_s3_storage(endpoint).bucket
    replica = replica_bucket or new_s3_storage(endpoint).bucket
    app = create_app(make_settings(
        tmp_path / "instance", database_url=migrated_pg_url, storage="s3", s3_bucket=primary,
        s3_endpoint_url=endpoint, s3_region="us-east-1", s3_addressing_style="path",
        replica_storage="s3", replica_s3_bucket=replica, replica_s3_endpoint_url=endpoint,
        replica_s3_region="us-east-1"))
    kho = app.extensions["kho"]
    if replica_bucket is None:
        init_instance(kho)
    else:                                   # the replica bucket is not there yet
        from archive import db
        from archive.seed import seed_vocabularies

        db.upgrade(kho.engine)
        with kho.transaction() as session:
            seed_vocabularies(session)
    accounts.add_user(kho, "sx", "producer", "12345678")
    return app, kho


def add(kho, data: bytes):
    product_id = products.create_product(kho, PRODUCER, {"title": "Tranh cổ động CEDAW"})
    got = receive(kho, PRODUCER, product_id, io.BytesIO(data), "tranh.tif", queue=False)
    return got, f"originals/{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}"


def rewrite(store, key: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "rewrite.bin"
    path.write_bytes(data)
    store.put_file(key, path)


def damage(store, key: str, how: str, tmp_path: Path) -> None:
    with store.open(key) as body:
        data = bytearray(body.read())
    if how == "flip":
        data[len(data) // 2] ^= 0x01
        rewrite(store, key, bytes(data), tmp_path)
    elif how == "truncate":
        rewrite(store, key, bytes(data[: len(data) // 3]), tmp_path)
    else:
        store.delete(key)


@pytest.mark.parametrize("copy", [PRIMARY, REPLICA])
@pytest.mark.parametrize("how", ["flip", "delete", "truncate"])
def test_damage_in_a_bucket_is_found_reported_and_repaired(tmp_path, migrated_pg_url, s3_endpoint,
                                                          copy, how):
    app, kho = s3_instance(tmp_path, migrated_pg_url, s3_endpoint)
    data = os.urandom(200_000)
    got, key = add(kho, data)
    store = kho.storage if copy == PRIMARY else kho.replica
    damage(store, key, how, tmp_path)

    report = fixity.run(kho, fixity.select_targets(kho))
    [bad] = report.faulty
    assert (bad.copy, bad.verdict) == (copy, MISSING if how == "delete" else MISMATCH)
    health = app.test_client().get("/api/v1/healthz").get_json()
    assert health["status"] == "degraded" and "1 faulty" in health["checks"]["fixity"]
    [listed] = status.faulty_files(kho)
    assert (listed.file_id, listed.storage_key, listed.copy) == (got.file_id, key, copy)

    repaired = fixity.run(kho, fixity.select_targets(kho), repair_faulty=True)
    assert [c.copy for c in repaired.repaired] == [copy]
    with store.open(key) as body:
        assert body.read() == data
    assert app.test_client().get("/api/v1/healthz").get_json()["status"] == "ok"
    kho.close()


def test_replica_bucket_unusable_during_intake_then_back(tmp_path, migrated_pg_url, s3_endpoint):
    later = unique_bucket_name("replica-later")
    app, kho = s3_instance(tmp_path, migrated_pg_url, s3_endpoint, replica_bucket=later)
    data = os.urandom(50_000)
    _, key = add(kho, data)                       # intake goes on without the replica
    assert kho.storage.exists(key)
    assert status.replica_lag(kho).waiting == 1
    health = app.test_client().get("/api/v1/healthz").get_json()
    assert health["status"] == "degraded" and health["checks"]["replica"].startswith("degraded")
    new_s3_storage(s3_endpoint, bucket=later)     # the replica is back (empty bucket)
    assert replication.drain_outbox(kho).copied == 1
    with kho.replica.open(key) as body:
        assert body.read() == data
    assert status.replica_lag(kho).waiting == 0
    assert not fixity.run(kho, fixity.select_targets(kho)).faulty
    kho.close()


def test_a_missing_credentials_profile_for_the_replica_is_named(tmp_path):
    from app.bootstrap import Kho
    from archive.errors import StorageError

    kho = Kho(make_settings(tmp_path / "i", replica_storage="s3", replica_s3_bucket="b",
                            replica_s3_endpoint_url="http://127.0.0.1:9",
                            replica_s3_profile="kho-replica-absent"))
    with pytest.raises(StorageError) as err:
        kho.replica.check()
    assert "kho-replica-absent" in str(err.value)
