"""The records, datestamp, OAI-PMH protocol and sickle harvest tests of the unit
suite, run unchanged against PostgreSQL (this folder's ``kho`` fixture): keyset order,
timestamps with microseconds, the tombstone upserts, the publication upserts and the
embargo day's start (``AT TIME ZONE``) all go through PostgreSQL's own SQL."""
from tests.unit.oai.conftest import make, oai_call, users  # noqa: F401  (fixtures)
from tests.unit.oai.test_access_harvest import *  # noqa: F401,F403
# SQLite's plans only: PostgreSQL's planner chooses by table size, so a plan read on a
# test catalogue of ten products says nothing about one of 100,000
del test_each_page_is_an_index_range_not_a_sort_of_the_catalogue  # noqa: F821
from tests.unit.oai.test_datestamps import *  # noqa: F401,F403
from tests.unit.oai.test_harvest import *  # noqa: F401,F403
from tests.unit.oai.test_kho_record import *  # noqa: F401,F403
from tests.unit.oai.test_oai_protocol import *  # noqa: F401,F403
from tests.unit.oai.test_page_vocabularies import *  # noqa: F401,F403
from tests.unit.oai.test_records import *  # noqa: F401,F403
