"""Suggestion dismissal and language suggestions on PostgreSQL: the unit tests,
unchanged (this folder's ``kho`` fixture is a PostgreSQL instance)."""
from tests.unit.services.catalogue.test_suggestion_dismissal import *  # noqa: F401,F403
from tests.unit.services.catalogue.test_language_suggestions import *  # noqa: F401,F403
