"""Lead-unit successors, date rules, counting flags and new units on PostgreSQL: the
unit tests, unchanged (this folder's ``kho`` fixture is a PostgreSQL instance)."""
from tests.unit.services.catalogue.test_metadata_and_vocabulary_rules import *  # noqa: F401,F403
