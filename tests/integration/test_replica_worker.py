"""A real ``kho worker`` on Redis catches the replica up: an original received while the
replica bucket was unusable waits in the outbox, and the worker copies it once the
bucket is there (PostgreSQL, S3 server, Redis)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import pytest

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.preservation import status
from app.services.catalogue import products
from app.services.preservation import replication
from app.services.files.intake import receive
from tests.integration.test_scaled_stack import PRODUCER, _env
from tests.s3server import new_s3_storage, unique_bucket_name

pytestmark = pytest.mark.integration


def test_worker_drains_the_replica_outbox_when_the_bucket_is_back(stack_settings, s3_endpoint):
    from archive import db
    from archive.seed import seed_vocabularies

    later = unique_bucket_name("replica-later")
    settings = stack_settings.replace(replica_storage="s3", replica_s3_bucket=later,
                                      replica_s3_endpoint_url=s3_endpoint,
                                      replica_s3_region="us-east-1")
    kho = Kho(settings)
    db.upgrade(kho.engine)                   # kho init would refuse the missing bucket
    kho.index.ensure()
    with kho.transaction() as session:
        seed_vocabularies(session)
    accounts.add_user(kho, "sx", "producer", "12345678")
    product_id = products.create_product(kho, PRODUCER, {"title": "Bản sao chờ chép"})
    data = os.urandom(30_000)
    got = receive(kho, PRODUCER, product_id, io.BytesIO(data), "ban-tin.bin")
    key = f"originals/{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}"
    assert status.replica_lag(kho).waiting == 1
    new_s3_storage(s3_endpoint, bucket=later)          # the replica is back
    env = _env(settings) | {"KHO_REPLICA_STORAGE": "s3", "KHO_REPLICA_S3_BUCKET": later,
                            "KHO_REPLICA_S3_ENDPOINT_URL": s3_endpoint,
                            "KHO_REPLICA_S3_REGION": "us-east-1"}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker", "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, nudge = time.monotonic() + 90, time.monotonic() + 15
        while status.replica_lag(kho).waiting and time.monotonic() < deadline:
            if time.monotonic() > nudge:
                # Redis db 15 is shared with other test runs, whose consumers may take
                # the job; Kho itself sends the drain again at every audit run and
                # every search for lost work (5 min) — here, sooner.
                replication.queue_drain(kho)
                nudge = time.monotonic() + 15
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    with kho.transaction() as session:
        from sqlalchemy import select

        from archive.preservation import ReplicaOutbox

        rows = session.execute(select(ReplicaOutbox.attempts, ReplicaOutbox.last_error)).all()
    assert status.replica_lag(kho).waiting == 0, (rows, output[-2000:])
    with kho.replica.open(key) as body:
        assert body.read() == data
    kho.close()
