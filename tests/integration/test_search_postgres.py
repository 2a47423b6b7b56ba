"""The search service's catalogue queries (hidden drafts while the index lags, media of
a page of hits) run unchanged against PostgreSQL."""
from tests.unit.services.search.test_search_service import *  # noqa: F401,F403
