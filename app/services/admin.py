"""Administration use cases: users, API tokens and vocabulary editing (admin only).

Every function takes the acting user and checks ``user.manage`` or
``vocabulary.edit`` first. Vocabulary edits change labels, the active flag and unit
validity/successors; codes never change (products and the index refer to them).
Each change adds a provenance Event (``user.*``, ``token.*``, ``vocabulary.edit``);
a password never goes into an event.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services import accounts
from app.services.actors import Actor
from app.services.browser_sessions import end_user_sessions
from app.services.passwords import hash_password
from app.services.product_input import parse_date
from app.services.ratelimit import forget_user
from app.services.views import iso_datetime, local_today
from archive.base import fits_id, utcnow
from archive.errors import Conflict, NotFound, ValidationError
from archive.models import ROLES, VOCABULARIES, ApiToken, Event, Term, Unit, User
from archive.text import normalize_text

MAX_LABEL = 300


def _audit(session, actor: Actor, action: str, detail: str) -> None:
    session.add(Event(action=action, user_id=actor.user_id, detail=detail[:2000]))


# --- users -------------------------------------------------------------------------

def list_users(kho: Kho, actor: Actor) -> list[accounts.UserInfo]:
    actor.require("user.manage")
    return accounts.list_users(kho)


def add_user(kho: Kho, actor: Actor, username: str, role: str, password: str, *,
             commune: str | None = None, display_name: str = "") -> accounts.UserInfo:
    """Create a user (see accounts.add_user for the errors)."""
    actor.require("user.manage")
    info = accounts.add_user(kho, username, role, password, commune=commune or None,
                             display_name=display_name)
    with kho.transaction() as session:
        _audit(session, actor, "user.add", f"{info.username} role={info.role}")
    return info


def update_user(kho: Kho, actor: Actor, user_id: int, *, role: Optional[str] = None,
                active: Optional[bool] = None, commune: Optional[str] = None
                ) -> accounts.UserInfo:
    """Change a user's role, active flag and/or commune; None leaves a value as it is.

    ``commune`` is the unit code or GSO code of a current commune (a commune account
    moved after communes merged), or "" to remove it. Raises PermissionDenied (not an
    admin), NotFound (no such user), ValidationError (unknown role; unknown commune or
    one that no longer exists, field ``commune``; a commune account left without a
    commune) and Conflict (an admin disabling or demoting their own account).
    """
    actor.require("user.manage")
    if role is not None and role not in ROLES:
        raise ValidationError("unknown role %(role)s; choose one of %(choices)s",
                              field="role", role=repr(role), choices=", ".join(ROLES))
    with kho.transaction() as session:
        user = session.get(User, user_id) if fits_id(user_id) else None
        if user is None:
            raise NotFound("no user %(id)s", field="user", id=user_id)
        if user.id == actor.user_id and (active is False or (role and role != "admin")):
            raise Conflict("you cannot disable or demote your own account", field="user")
        unit = _new_commune(session, user, commune, local_today(kho.settings))
        if (role or user.role) == "commune" and unit is None:
            raise ValidationError("a commune account needs a commune",
                                  field="role" if commune is None else "commune")
        changes = []
        if role is not None and role != user.role:
            changes.append(f"role {user.role}->{role}")
            user.role = role
        if active is not None and active != user.active:
            changes.append("enabled" if active else "disabled")
            user.active = active
            if not active:      # signed out everywhere; enabling again does not revive
                end_user_sessions(session, user.id)
        if unit is not user.commune:
            changes.append(f"commune {_code(user.commune)}->{_code(unit)}")
            user.commune = unit
        if changes:
            _audit(session, actor, "user.update", f"{user.username}: {', '.join(changes)}")
        session.flush()
        return accounts.UserInfo.of(user)


def _new_commune(session, user: User, commune: Optional[str], today: date) -> Optional[Unit]:
    """The commune ``user`` will have: unchanged for None or its own code, else looked up."""
    if commune is None:
        return user.commune
    code = normalize_text(commune)
    if not code:
        return None
    if user.commune is not None and code == user.commune.code:
        return user.commune          # kept as it is, even a commune that has since merged
    return accounts.find_commune(session, code, today)


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


def revoke_token(kho: Kho, actor: Actor, token_id: int) -> None:
    actor.require("user.manage")
    with kho.transaction() as session:
        row = session.get(ApiToken, token_id) if fits_id(token_id) else None
        if row is None:
            raise NotFound("no API token %(id)s", field="token", id=token_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            _audit(session, actor, "token.revoke", f"{row.user.username} {row.prefix}…")


# --- vocabularies ------------------------------------------------------------------

def _label(value: Any, field: str, required: bool = True) -> str:
    text = normalize_text(str(value or ""))
    if required and not text:
        raise ValidationError("a label is required", field=field)
    if len(text) > MAX_LABEL:
        raise ValidationError("at most %(n)d characters", field=field, n=MAX_LABEL)
    return text


def list_terms(kho: Kho, actor: Actor, vocabulary: str) -> list[dict[str, Any]]:
    """All terms of a vocabulary, inactive ones included, in display order."""
    actor.require("vocabulary.edit")
    if vocabulary not in VOCABULARIES:
        raise NotFound("no vocabulary %(name)s", field="vocabulary", name=vocabulary)
    with kho.transaction() as session:
        rows = session.scalars(select(Term).where(Term.vocabulary == vocabulary)
                               .order_by(Term.position, Term.code))
        return [{"code": t.code, "label_vi": t.label_vi, "label_en": t.label_en,
                 "active": t.active} for t in rows]


def update_term(kho: Kho, actor: Actor, vocabulary: str, code: str, *, label_vi: Any,
                label_en: Any, active: bool) -> None:
    """Change the labels and active flag of one term (inactive: hidden from pickers)."""
    actor.require("vocabulary.edit")
    vi, en = _label(label_vi, "label_vi"), _label(label_en, "label_en", required=False)
    with kho.transaction() as session:
        term = session.scalar(select(Term).where(Term.vocabulary == vocabulary,
                                                 Term.code == code))
        if term is None:
            raise NotFound("no term %(code)s in %(name)s", field="code", code=code,
                           name=vocabulary)
        before = (term.label_vi, term.label_en, term.active)
        term.label_vi, term.label_en, term.active = vi, en, bool(active)
        if before != (vi, en, bool(active)):
            _audit(session, actor, "vocabulary.edit",
                   f"{vocabulary}:{code} {before!r} -> {(vi, en, bool(active))!r}")


def add_term(kho: Kho, actor: Actor, vocabulary: str, code: str, *, label_vi: Any,
             label_en: Any = "") -> None:
    """Add a term with a new stable code (lower-case ASCII letters, digits, '-')."""
    import re

    actor.require("vocabulary.edit")
    if vocabulary not in VOCABULARIES:
        raise NotFound("no vocabulary %(name)s", field="vocabulary", name=vocabulary)
    code = (code or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", code):
        raise ValidationError("use 1–40 lower-case letters, digits or '-'", field="code")
    vi, en = _label(label_vi, "label_vi"), _label(label_en, "label_en", required=False)
    with kho.transaction() as session:
        if session.scalar(select(Term.id).where(Term.vocabulary == vocabulary,
                                                Term.code == code)):
            raise Conflict("code %(code)s already exists", field="code", code=code)
        last = session.scalar(select(Term.position).where(Term.vocabulary == vocabulary)
                              .order_by(Term.position.desc()).limit(1)) or 0
        session.add(Term(vocabulary=vocabulary, code=code, label_vi=vi, label_en=en,
                         position=last + 1))
        _audit(session, actor, "vocabulary.edit", f"{vocabulary}:{code} added")


def list_units(kho: Kho, actor: Actor, level: Optional[str] = None) -> list[dict[str, Any]]:
    actor.require("vocabulary.edit")
    with kho.transaction() as session:
        stmt = select(Unit).order_by(Unit.level, Unit.name)
        if level:
            stmt = stmt.where(Unit.level == level)
        today = local_today(kho.settings)
        return [{"code": u.code, "name": u.name, "level": u.level, "gso_code": u.gso_code,
                 "valid_from": u.valid_from, "valid_to": u.valid_to,
                 "successor": u.successor.code if u.successor else "",
                 "current": u.valid_to is None or u.valid_to >= today}
                for u in session.scalars(stmt)]


def _optional_date(value: Any, field: str) -> Optional[date]:
    try:
        return parse_date(value or None)
    except ValueError:
        raise ValidationError("not a date: %(value)s (use dd/mm/yyyy)", field=field,
                              value=str(value)) from None


def update_unit(kho: Kho, actor: Actor, code: str, *, name: Any, valid_from: Any,
                valid_to: Any, successor: Any) -> None:
    """Rename a unit, set its validity (dd/mm/yyyy) and successor (a unit code or "")."""
    actor.require("vocabulary.edit")
    name = _label(name, "name")
    start, end = _optional_date(valid_from, "valid_from"), _optional_date(valid_to, "valid_to")
    if start and end and end < start:
        raise ValidationError("the end of validity is before its start", field="valid_to")
    with kho.transaction() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise NotFound("no unit %(code)s", field="code", code=code)
        successor_code = normalize_text(str(successor or ""))
        heir = None
        if successor_code:
            heir = session.scalar(select(Unit).where(Unit.code == successor_code))
            if heir is None:
                raise ValidationError("unknown unit code %(code)s", field="successor",
                                      code=successor_code)
            if heir.id == unit.id:
                raise ValidationError("a unit cannot succeed itself", field="successor")
        unit.name, unit.valid_from, unit.valid_to, unit.successor = name, start, end, heir
        _audit(session, actor, "vocabulary.edit",
               f"unit {code}: name={name!r} valid {start}..{end} successor={successor_code}")
