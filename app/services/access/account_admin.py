"""Administration of accounts (admin only): users and API tokens.

Every function takes the acting user and checks ``user.manage`` first. Vocabulary
and unit editing is :mod:`app.services.catalogue.vocabulary_admin`.
Each change adds a provenance Event (``user.*``, ``token.*``, ``vocabulary.edit``);
a password never goes into an event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.access.browser_sessions import end_user_sessions
from app.services.access.passwords import hash_password
from app.services.access.sign_in_limit import forget_user
from app.services.common.clock import iso_datetime, local_today
from archive.base import fits_id, utcnow
from archive.errors import Conflict, NotFound, ValidationError
from archive.models import ROLES, ApiToken, Event, Unit, User
from archive.text import normalize_text, sort_key

# levels of units, from the top, as the users page groups them
LEVEL_ORDER = ("national", "province", "district", "district-office",
               "district-organisation", "commune")


def _audit(session, actor: Actor, action: str, detail: str) -> None:
    session.add(Event(action=action, user_id=actor.user_id, detail=detail[:2000]))


# --- users -------------------------------------------------------------------------

def list_users(kho: Kho, actor: Actor) -> list[accounts.UserInfo]:
    actor.require("user.manage")
    return accounts.list_users(kho)


def add_user(kho: Kho, actor: Actor, username: str, role: str, password: str, *,
             commune: str | None = None, unit: str | None = None,
             display_name: str = "") -> accounts.UserInfo:
    """Create a user (see accounts.add_user for the errors)."""
    actor.require("user.manage")
    info = accounts.add_user(kho, username, role, password, commune=commune or None,
                             unit=unit or None, display_name=display_name)
    with kho.transaction() as session:
        where = f" unit={info.unit_code}" if info.unit_code else ""
        _audit(session, actor, "user.add", f"{info.username} role={info.role}{where}")
    return info


@dataclass(frozen=True)
class UserChange:
    """An account after an edit, and what the edit changed: ``changed`` holds ``role``,
    ``active`` and ``unit`` (a commune account's commune too), in that order, when
    their value changed; empty when nothing did."""

    user: accounts.UserInfo
    changed: tuple[str, ...] = ()


def update_user(kho: Kho, actor: Actor, user_id: int, *, role: Optional[str] = None,
                active: Optional[bool] = None, commune: Optional[str] = None,
                unit: Optional[str] = None) -> accounts.UserInfo:
    """The account after :func:`change_user` (the same arguments and errors)."""
    return change_user(kho, actor, user_id, role=role, active=active, commune=commune,
                       unit=unit).user


def change_user(kho: Kho, actor: Actor, user_id: int, *, role: Optional[str] = None,
                active: Optional[bool] = None, commune: Optional[str] = None,
                unit: Optional[str] = None) -> UserChange:
    """Change a user's role, active flag and/or unit; None leaves a value as it is.
    Returns the account and what changed (:class:`UserChange`).

    ``unit`` is the code (or GSO code) of a unit that exists today, for any role, or ""
    to remove it; ``commune`` is the same for a commune account's commune (the older
    name, checked as a commune). The unit an account already has is kept as it is, even
    one that has since ended. Raises PermissionDenied (not an admin), NotFound (no such
    user), ValidationError (unknown role; unknown unit or one that no longer exists,
    field ``unit`` or ``commune``; a commune account left without a commune or given a
    unit that is not one) and Conflict (an admin disabling or demoting their own
    account).
    """
    actor.require("user.manage")
    if role is not None and role not in ROLES:
        raise ValidationError("unknown role %(role)s; choose one of %(choices)s",
                              field="role", role=role, choices=", ".join(ROLES))
    with kho.transaction() as session:
        user = session.get(User, user_id) if fits_id(user_id) else None
        if user is None:
            raise NotFound("no user %(id)s", field="user", id=user_id)
        if user.id == actor.user_id and (active is False or (role and role != "admin")):
            raise Conflict("you cannot disable or demote your own account", field="user")
        field = "unit" if unit is not None else "commune"
        code = unit if unit is not None else commune
        new_unit = _new_unit(session, user, code, field, local_today(kho.settings))
        if (role or user.role) == "commune":
            if new_unit is None:
                raise ValidationError("a commune account needs a commune",
                                      field="role" if code is None else field)
            if new_unit.level != "commune":
                raise ValidationError("a commune account belongs to a commune, not to "
                                      "%(name)s", field="role" if code is None else field,
                                      name=new_unit.name)
        changes, changed = [], []
        if role is not None and role != user.role:
            changes.append(f"role {user.role}->{role}")
            changed.append("role")
            user.role = role
        if active is not None and active != user.active:
            changes.append("enabled" if active else "disabled")
            changed.append("active")
            user.active = active
            if not active:      # signed out everywhere; enabling again does not revive
                end_user_sessions(session, user.id)
        if new_unit is not user.unit:
            word = "commune" if user.role == "commune" else "unit"
            changes.append(f"{word} {_code(user.unit)}->{_code(new_unit)}")
            changed.append("unit")
            user.unit = new_unit
        if changes:
            _audit(session, actor, "user.update", f"{user.username}: {', '.join(changes)}")
        session.flush()
        return UserChange(accounts.UserInfo.of(user), tuple(changed))


def _new_unit(session, user: User, code: Optional[str], field: str,
              today: date) -> Optional[Unit]:
    """The unit ``user`` will have: unchanged for None or its own code, else looked up
    (a commune for ``field`` "commune", any unit existing today for "unit")."""
    if code is None:
        return user.unit
    code = normalize_text(code)
    if not code:
        return None
    if user.unit is not None and code == user.unit.code:
        return user.unit             # kept as it is, even a unit that has since ended
    if field == "commune":
        return accounts.find_commune(session, code, today)
    return accounts.find_unit(session, code, today, field=field)


def unit_choices(kho: Kho, actor: Actor) -> list[tuple[str, list[tuple[str, str]]]]:
    """The units an account may be given, for the users page: units that exist today,
    grouped by level (levels in :data:`LEVEL_ORDER`, then any other), each group's
    (code, name) in Vietnamese alphabetical order."""
    actor.require("user.manage")
    today = local_today(kho.settings)
    groups: dict[str, list[tuple[str, str]]] = {}
    with kho.transaction() as session:
        for u in session.scalars(select(Unit)):
            if u.valid_on(today):
                groups.setdefault(u.level, []).append((u.code, u.name))
    order = {level: i for i, level in enumerate(LEVEL_ORDER)}
    return [(level, sorted(rows, key=lambda r: sort_key(r[1])))
            for level, rows in sorted(groups.items(),
                                      key=lambda g: (order.get(g[0], len(order)), g[0]))]


def _code(unit: Optional[Unit]) -> str:
    return unit.code if unit is not None else "-"


def set_password(kho: Kho, actor: Actor, user_id: int, password: str) -> accounts.UserInfo:
    """Give user ``user_id`` a new password (for a user who forgot theirs).

    The user's signed-in browser sessions stop working at their next request (a session
    keeps a stamp of the password it was opened with); their API tokens are separate
    credentials and stay valid (revoke them on the tokens page if they leaked). Failed
    sign-ins counted for the user name are forgotten so the new password works at once.
    The audit event never contains the password. Raises PermissionDenied (not an
    admin), ValidationError (password shorter than the rule for new users, field
    ``password``) and NotFound (no such user).
    """
    actor.require("user.manage")
    accounts.check_new_password(password)
    new_hash = hash_password(password)       # slow on purpose: before the transaction
    with kho.transaction() as session:
        user = session.get(User, user_id) if fits_id(user_id) else None
        if user is None:
            raise NotFound("no user %(id)s", field="user", id=user_id)
        user.password_hash = new_hash
        forget_user(session, user.username)
        _audit(session, actor, "user.password", f"{user.username}: new password set")
        session.flush()
        return accounts.UserInfo.of(user)


# --- API tokens --------------------------------------------------------------------

def list_tokens(kho: Kho, actor: Actor) -> list[dict[str, Any]]:
    """All tokens (never the secret: only its first characters), newest first."""
    actor.require("user.manage")
    with kho.transaction() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))
        return [{"id": t.id, "username": t.user.username, "prefix": t.prefix,
                 "label": t.label, "created_at": iso_datetime(t.created_at),
                 "last_used_at": iso_datetime(t.last_used_at),
                 "revoked_at": iso_datetime(t.revoked_at), "active": t.revoked_at is None}
                for t in rows]


def create_token(kho: Kho, actor: Actor, username: str, label: str = "") -> str:
    """A new token for ``username``; the caller shows it once (only its hash is kept)."""
    actor.require("user.manage")
    token = accounts.create_token(kho, username, label)
    with kho.transaction() as session:
        _audit(session, actor, "token.create", f"{username} {token[:10]}…")
    return token


def token_info(kho: Kho, actor: Actor, token_id: int) -> dict[str, Any]:
    """One token as :func:`list_tokens` shows it (for the revoke confirmation);
    NotFound for an unknown id."""
    actor.require("user.manage")
    with kho.transaction() as session:
        t = session.get(ApiToken, token_id) if fits_id(token_id) else None
        if t is None:
            raise NotFound("no API token %(id)s", field="token", id=token_id)
        return {"id": t.id, "username": t.user.username, "display_name": t.user.display_name,
                "prefix": t.prefix, "label": t.label, "created_at": iso_datetime(t.created_at),
                "last_used_at": iso_datetime(t.last_used_at),
                "revoked_at": iso_datetime(t.revoked_at), "active": t.revoked_at is None}


def revoke_token(kho: Kho, actor: Actor, token_id: int) -> None:
    """Revoke a token at once (NotFound for an unknown id; an already revoked one
    stays as it was)."""
    actor.require("user.manage")
    with kho.transaction() as session:
        row = session.get(ApiToken, token_id) if fits_id(token_id) else None
        if row is None:
            raise NotFound("no API token %(id)s", field="token", id=token_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            _audit(session, actor, "token.revoke", f"{row.user.username} {row.prefix}…")
