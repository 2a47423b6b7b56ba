"""Who is acting, and what each role may do. One table, used by every front door."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from archive.errors import PermissionDenied

# action -> roles allowed
PERMISSIONS: dict[str, frozenset[str]] = {
    "product.view": frozenset({"admin", "producer", "commune", "office"}),
    "product.view_sensitive": frozenset({"admin", "producer", "office"}),
    "product.create": frozenset({"admin", "producer"}),
    "product.edit": frozenset({"admin", "producer"}),
    "product.delete": frozenset({"admin"}),
    "file.upload": frozenset({"admin", "producer"}),
    "file.retry": frozenset({"admin", "producer"}),
    "broadcast.log": frozenset({"admin", "commune"}),
    "report.view": frozenset({"admin", "office", "producer"}),
    "export.run": frozenset({"admin", "office"}),
    "user.manage": frozenset({"admin"}),
    "vocabulary.edit": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs (``system`` for maintenance jobs)."""

    user_id: Optional[int]
    username: str
    role: str
    commune_id: Optional[int] = None

    def can(self, action: str) -> bool:
        return self.role == "system" or self.role in PERMISSIONS[action]

    def require(self, action: str) -> None:
        """Raise PermissionDenied when this actor may not do ``action``."""
        if not self.can(action):
            raise PermissionDenied(f"role '{self.role}' may not {action.replace('.', ' ')}",
                                   field=action)


SYSTEM = Actor(user_id=None, username="system", role="system")
