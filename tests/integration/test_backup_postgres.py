"""The recovery drill on PostgreSQL: pg_dump while Kho runs, pg_restore into an empty
database, init, reindex; originals stay in the S3 bucket and are found whole."""
from __future__ import annotations

import pytest

from app.bootstrap import Kho
from app.services.preservation import backup
from app.services.preservation import fixity
from app.services.search import queries
from archive.errors import Conflict
from tests import services
from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.services.preservation.test_backup import PRODUCER, filled_instance, recovery_drill

pytestmark = pytest.mark.integration


@pytest.fixture
def second_pg_url():
    yield from services.postgres_database()


def test_recovery_drill_on_postgres_and_s3(tmp_path, pg_url, second_pg_url, s3_endpoint):
    bucket = new_s3_storage(s3_endpoint).bucket
    engines = dict(storage="s3", s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                   s3_region="us-east-1", s3_addressing_style="path")
    old, _ = filled_instance(tmp_path / "instance", tmp_path / "unused", database_url=pg_url,
                             **engines)
    new = recovery_drill(tmp_path, old, dict(database_url=second_pg_url, **engines))
    assert (tmp_path / "backup" / "catalogue.pgdump").is_file()
    assert "database_url" in (tmp_path / "backup" / "settings.toml").read_text()
    hits = queries.search(new, PRODUCER, {"q": "phong chong tra tan"})
    assert [h.title for h in hits.hits][:1] == ["Phòng chống tra tấn"]
    assert not fixity.run(new, fixity.select_targets(new)).faulty
    with pytest.raises(Conflict):           # a catalogue is never overwritten
        backup.restore(Kho(make_settings(tmp_path / "third", database_url=pg_url, **engines)),
                       tmp_path / "backup")
    old.close()
    new.close()
