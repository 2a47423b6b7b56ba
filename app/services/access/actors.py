"""Who is acting, and what each role may do. One table, used by every front door."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from archive.errors import Message, PermissionDenied

# action -> roles allowed
PERMISSIONS: dict[str, frozenset[str]] = {
    "product.view": frozenset({"admin", "producer", "commune", "office"}),
    "product.create": frozenset({"admin", "producer"}),
    "product.edit": frozenset({"admin", "producer"}),
    "product.delete": frozenset({"admin"}),
    "file.upload": frozenset({"admin", "producer"}),
    "file.retry": frozenset({"admin", "producer"}),
    "file.remove": frozenset({"admin", "producer"}),
    "broadcast.log": frozenset({"admin", "commune"}),
    "report.view": frozenset({"admin", "office", "producer"}),
    "export.run": frozenset({"admin", "office"}),
    "stats.view": frozenset({"admin", "office"}),
    "user.manage": frozenset({"admin"}),
    "vocabulary.edit": frozenset({"admin"}),
    "preservation.view": frozenset({"admin"}),
    "metrics.view": frozenset({"admin"}),
    "contribution.file": frozenset({"admin", "office"}),
    "contribution.review": frozenset({"admin", "office"}),
    "activity.view": frozenset({"admin", "producer", "commune", "office"}),
    "activity.record": frozenset({"admin", "producer", "office"}),
    "activity.delete": frozenset({"admin", "office"}),
    "activity.view_people": frozenset({"admin", "office"}),
    "people.manage": frozenset({"admin", "office"}),
}

# action -> what it is, in words (English; Vietnamese in the message catalogue), as in
# "commune accounts may not <create products>"
ACTION_WORDS: dict[str, str] = {
    "product.view": "view products",
    "product.create": "create products",
    "product.edit": "edit products",
    "product.delete": "delete products",
    "file.upload": "upload files",
    "file.retry": "retry processing of files",
    "file.remove": "remove files",
    "broadcast.log": "log broadcasts",
    "report.view": "view reports",
    "export.run": "run exports",
    "stats.view": "view the targets dashboard",
    "user.manage": "manage users",
    "vocabulary.edit": "edit vocabularies",
    "preservation.view": "see the preservation state of the archive",
    "metrics.view": "read the operations metrics",
    "contribution.file": "file yearly contributions",
    "contribution.review": "review yearly contributions",
    "activity.view": "view activities",
    "activity.record": "record activities",
    "activity.delete": "delete activities",
    "activity.view_people": "see the names of participants",
    "people.manage": "manage participants, staff counts and spokespersons",
}
ROLE_WORDS = ("admin", "producer", "commune", "office")   # translated role names


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs (``system`` for maintenance jobs).

    ``display_name`` is the person's full name as read with the account (None when
    unset, and for ``system``), so a page header names them without another query.
    ``unit_id`` is the unit the account belongs to (None: none set); ``commune_id`` is
    the same id for a commune account only (its commune), None for other roles. What
    an account may see and report on is :mod:`app.services.access.unit_scope`."""

    user_id: Optional[int]
    username: str
    role: str
    commune_id: Optional[int] = None
    display_name: Optional[str] = None
    unit_id: Optional[int] = None

    @property
    def name(self) -> str:
        """How the actor is named to people: full name, else login name."""
        return (self.display_name or "").strip() or self.username

    def can(self, action: str) -> bool:
        return self.role == "system" or self.role in PERMISSIONS[action]

    def require(self, action: str) -> None:
        """Raise PermissionDenied when this actor may not do ``action``."""
        if not self.can(action):
            role = Message(self.role) if self.role in ROLE_WORDS else self.role
            raise PermissionDenied("%(role)s accounts may not %(action)s", field=action,
                                   role=role, action=Message(ACTION_WORDS[action]))


SYSTEM = Actor(user_id=None, username="system", role="system")


# Roles that only pick finished work to air or show: a draft without any file has
# nothing for them, so it is left out of their search and its page is "not found".
DRAFT_BLIND_ROLES = frozenset({"commune"})


def sees_fileless_drafts(actor: Actor) -> bool:
    """Whether ``actor`` is shown drafts that have no file yet (everyone but commune
    staff: producers fill them in, admins and the office follow the work)."""
    return actor.role not in DRAFT_BLIND_ROLES


def hides_draft(actor: Actor, status: str, has_files: bool) -> bool:
    """True when a product in this state is hidden from ``actor`` (search and page)."""
    return status == "draft" and not has_files and not sees_fileless_drafts(actor)
