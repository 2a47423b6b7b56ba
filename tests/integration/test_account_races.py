"""Parallel creations of one login on PostgreSQL (the unit test, on this folder's
PostgreSQL ``kho`` fixture)."""
from tests.unit.services.access.test_accounts import (  # noqa: F401
    test_forty_parallel_creations_of_one_login_make_one_account_and_39_conflicts)
