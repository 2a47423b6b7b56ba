"""All catalogue models in one import (for Alembic and callers)."""
from archive.accounts import ROLES, ApiToken, BrowserSession, LoginFailure, User
from archive.base import Base, utcnow
from archive.catalogue import (FILE_STATUSES, PRODUCT_STATUSES, Broadcast, Derivative, Event,
                               IndexBacklog,
                               File, Product, ProductChange)
from archive.vocabulary import VOCABULARIES, Term, Unit

# modules whose tables register on import (their classes are imported from them directly)
import archive.access  # noqa: E402,F401
import archive.activities  # noqa: E402,F401
import archive.contributions  # noqa: E402,F401
import archive.exports  # noqa: E402,F401
import archive.harvests  # noqa: E402,F401
import archive.likeness  # noqa: E402,F401
import archive.outbox  # noqa: E402,F401
import archive.people  # noqa: E402,F401
import archive.preservation  # noqa: E402,F401
import archive.stats  # noqa: E402,F401
import archive.suggestions  # noqa: E402,F401
import archive.tracks  # noqa: E402,F401
import archive.usage  # noqa: E402,F401

__all__ = ["ROLES", "ApiToken", "BrowserSession", "LoginFailure", "User", "Base", "utcnow", "FILE_STATUSES", "PRODUCT_STATUSES",
           "Broadcast", "Derivative", "Event", "File", "IndexBacklog", "Product", "ProductChange",
           "VOCABULARIES", "Term", "Unit"]
