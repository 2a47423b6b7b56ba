"""The fixity, replica and audit tests of the unit suite, on a PostgreSQL catalogue
(the selection SQL, upserts of copy states and the outbox, the audit lease)."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.conftest import make_settings
from tests.unit.services.preservation.test_fixity import (  # noqa: F401 - the tests run here on PostgreSQL
    test_a_deleted_products_originals_do_not_keep_the_archive_degraded,
    test_a_whole_archive_checks_ok_with_one_event_per_copy,
    test_both_copies_bad_is_reported_and_nothing_is_guessed,
    test_damage_is_found_reported_and_repaired_from_the_other_copy,
    test_same_content_in_two_products_is_one_object_checked_for_both_files,
    test_selection_by_product_sample_and_age)
from tests.unit.services.preservation.test_replication import (  # noqa: F401
    test_audit_goes_on_with_the_primary_while_the_replica_is_down,
    test_audit_tick_checks_due_originals_and_resumes_where_it_stopped,
    test_intake_replaces_a_corrupt_object_with_the_new_uploads_verified_bytes,
    test_one_audit_at_a_time, test_replica_down_during_intake_then_back_is_drained)

pytestmark = pytest.mark.integration


@pytest.fixture
def replicated(tmp_path, migrated_pg_url) -> Iterator:
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.instance.setup import init_instance

    runtime = Kho(make_settings(tmp_path / "instance", database_url=migrated_pg_url,
                                replica_storage="local",
                                replica_storage_path=str(tmp_path / "replica")))
    init_instance(runtime)
    accounts.add_user(runtime, "sx", "producer", "12345678")
    yield runtime
    runtime.close()
