"""The kill -9 tests of tests/unit/services/instance/test_worker_recovery.py on the scaled-out queue:
Redis (database 15, flushed) with the catalogue on PostgreSQL."""
import pytest

from tests.conftest import make_settings
from tests.unit.services.instance import worker_processes as wp
from tests.unit.services.instance.test_worker_recovery import (  # noqa: F401 - run here on Redis
    test_a_dead_workers_file_is_taken_over_by_a_live_one,
    test_kill_9_mid_processing_then_restart_completes_without_duplicates,
    test_kill_9_of_serve_ends_its_consumer_and_tools)


@pytest.fixture
def worker_settings(tmp_path, migrated_pg_url, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return make_settings(tmp_path / "instance", queue_url=redis_url,
                         database_url=migrated_pg_url,
                         job_lease_seconds=wp.LEASE_SECONDS)
