"""The search service's catalogue queries (hidden drafts while the index lags, media of
a page of hits) and its access filtering (audiences, owning offices, embargoes, grants,
a product made less visible before the index catches up, search results equal to the
visible clause on random catalogues) run unchanged against PostgreSQL."""
from tests.unit.services.search.test_search_service import *  # noqa: F401,F403
from tests.unit.services.search.test_search_access import *  # noqa: F401,F403,E402
