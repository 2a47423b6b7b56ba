"""The summary-cells tests of the unit suite (random changes, parallel writers and
readers, a rebuild from the marks, a start-over in SQL equal to the per-product fold,
the review's triggers and the usage cells' lock against deadlocks) on PostgreSQL,
whose triggers, row locks and READ COMMITTED snapshots differ from SQLite's."""
from tests.unit.services.stats.test_summary import *  # noqa: F401,F403
from tests.unit.services.stats.test_rebuild import *  # noqa: F401,F403,E402
from tests.unit.services.stats.test_summary_review import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0024 import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0025 import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0026 import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0027 import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0028 import *  # noqa: F401,F403,E402
from tests.unit.archive.test_migration_0029 import *  # noqa: F401,F403,E402

import pytest  # noqa: E402

from tests.conftest import make_settings  # noqa: E402


@pytest.fixture
def settings(tmp_path, pg_url: str):
    """The migration tests (they take ``settings``) on an empty PostgreSQL database."""
    return make_settings(tmp_path / "instance", database_url=pg_url)
