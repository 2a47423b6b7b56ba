"""The yearly report tests of the unit suite, run unchanged against PostgreSQL (the
``kho`` fixture of this folder's conftest): the same known-answer catalogue, every
indicator in the workbook and the document, the streamed product list, the rules, and
who issues, signs and receives the report as the unit table stood on its date (the
2026 report by the province's Sở VHTTDL, the district office refused after its end)."""
from tests.unit.services.reports.test_letterhead import *  # noqa: F401,F403
from tests.unit.services.reports.test_report_docx import *  # noqa: F401,F403
from tests.unit.services.reports.test_report_rules import *  # noqa: F401,F403
from tests.unit.services.reports.test_report_xlsx import *  # noqa: F401,F403
