"""The known-answer statistics tests of the unit suite, run unchanged on PostgreSQL.

The ``kho`` fixture of this folder's conftest gives them a PostgreSQL instance, so every
indicator, breakdown, filter and to-do list is checked with the same exact numbers on
both databases (the SQL differs: the Vietnam year of creation, grouping, CTEs).
"""
from tests.unit.services.stats.test_stats import *  # noqa: F401,F403
from tests.unit.services.stats.test_stats_cache import *  # noqa: F401,F403,E402
from tests.unit.services.stats.test_people_part import *  # noqa: F401,F403,E402
from tests.unit.services.stats.test_usage_growth import *  # noqa: F401,F403,E402
from tests.unit.services.stats.test_catalogue_rows import *  # noqa: F401,F403,E402
