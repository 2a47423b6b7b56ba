"""Use cases for users and API tokens."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.i18n import LOCALES
from app.services.access.actors import Actor
from app.services.common.clock import local_today
from app.services.access.passwords import (MIN_PASSWORD_LENGTH, hash_password, new_token,
                                    session_stamp, token_hash, verify_password)
from archive.base import utcnow
from archive.errors import AuthenticationRequired, Conflict, NotFound, ValidationError
from archive.models import ROLES, ApiToken, Unit, User
from archive.text import normalize_text

TOKEN_TOUCH_SECONDS = 60
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
# what a disabled account is told once its password checked out (see sign_in)
ACCOUNT_DISABLED = ("this account is disabled; ask an administrator of Kho to enable it "
                    "again")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    commune_code: Optional[str]       # a commune account's commune (its unit)
    commune_name: Optional[str]
    active: bool
    unit_code: Optional[str] = None   # the unit the account belongs to, any role
    unit_name: Optional[str] = None
    unit_level: Optional[str] = None

    @classmethod
    def of(cls, user: User) -> "UserInfo":
        unit = user.unit
        return cls(user.id, user.username, user.display_name, user.role,
                   user.commune.code if user.commune else None,
                   user.commune.name if user.commune else None, user.active,
                   unit.code if unit else None, unit.name if unit else None,
                   unit.level if unit else None)


def actor_for(user: User) -> Actor:
    return Actor(user.id, user.username, user.role, user.commune_id,
                 display_name=user.display_name, unit_id=user.unit_id)


def find_commune(session: Session, code: str, today: date) -> Unit:
    """The commune with unit code or GSO code ``code``, current on ``today`` (Vietnam).

    Raises ValidationError (field ``commune``) for an unknown code, a unit that is not a
    commune, or a commune that no longer exists (the message names its successor).
    """
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        unit = session.scalar(select(Unit).where(Unit.gso_code == code, Unit.valid_to.is_(None),
                                                 Unit.level == "commune"))
    if unit is None or unit.level != "commune":
        raise ValidationError("unknown commune code %(code)s", field="commune", code=code)
    if unit.valid_to is not None and unit.valid_to < today:
        successor = unit.current()
        raise ValidationError("commune %(name)s (%(code)s) was merged into %(successor_name)s "
                              "after %(date)s; use %(successor)s", field="commune",
                              name=unit.name, code=code, successor_name=successor.name,
                              date=unit.valid_to.strftime("%d/%m/%Y"), successor=successor.code)
    return unit


def find_unit(session: Session, code: str, today: date, *, field: str = "unit") -> Unit:
    """The unit with code (or GSO code) ``code`` that exists on ``today`` (Vietnam), for
    an account to belong to.

    Raises ValidationError naming ``field`` and the code: unknown code, a unit not yet
    in existence, or one that has ended (naming its successor when it has one).
    """
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        unit = session.scalar(select(Unit).where(Unit.gso_code == code, Unit.valid_to.is_(None))
                              .order_by(Unit.id).limit(1))
    if unit is None:
        raise ValidationError("unknown unit code %(code)s", field=field, code=code)
    if unit.valid_from is not None and today < unit.valid_from:
        raise ValidationError("unit %(name)s (%(code)s) exists only from %(date)s",
                              field=field, name=unit.name, code=unit.code,
                              date=unit.valid_from.strftime("%d/%m/%Y"))
    if unit.valid_to is not None and unit.valid_to < today:
        successor = unit.current()
        if successor is unit or not successor.valid_on(today):
            raise ValidationError("unit %(name)s (%(code)s) ended on %(date)s; choose a "
                                  "unit that exists today", field=field, name=unit.name,
                                  code=unit.code, date=unit.valid_to.strftime("%d/%m/%Y"))
        raise ValidationError("unit %(name)s (%(code)s) ended on %(date)s; use "
                              "%(successor)s (%(successor_name)s)", field=field,
                              name=unit.name, code=unit.code,
                              date=unit.valid_to.strftime("%d/%m/%Y"),
                              successor=successor.code, successor_name=successor.name)
    return unit


def account_unit(session: Session, role: str, today: date, *, commune: Optional[str] = None,
                 unit: Optional[str] = None) -> Optional[Unit]:
    """The unit a new account of ``role`` belongs to, from a commune code (commune
    accounts, as before) or any unit code; None when neither is given.

    Raises ValidationError: unknown or ended unit (field ``unit``) or commune (field
    ``commune``), a commune account whose unit is not a commune, or a commune account
    without one."""
    found = None
    if unit:
        found = find_unit(session, normalize_text(unit), today)
        if role == "commune" and found.level != "commune":
            raise ValidationError("a commune account belongs to a commune, not to %(name)s",
                                  field="unit", name=found.name)
    if commune and found is None:
        found = find_commune(session, normalize_text(commune), today)
    if role == "commune" and found is None:
        raise ValidationError("a commune account needs a commune", field="commune")
    return found


def check_new_password(password: str) -> None:
    """Raise ValidationError (field ``password``) when a new password is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password must have at least %(n)d characters",
                              field="password", n=MIN_PASSWORD_LENGTH)


def add_user(kho: Kho, username: str, role: str, password: str, *,
             commune: str | None = None, unit: str | None = None,
             display_name: str = "") -> UserInfo:
    """Create a user. Raises ValidationError (bad name/role/commune/unit/password), Conflict.

    ``unit`` is the code of the unit the account belongs to (any role; for a commune
    account a commune, which ``commune`` gives as before); it must exist today.
    Messages name no command-line option or page control (the CLI and the admin page
    both show them beside their own name for the field: ``field`` is one of username,
    role, commune, unit, password)."""
    username = normalize_text(username).lower()
    if not USERNAME.match(username):
        raise ValidationError("use 2–80 lower-case letters, digits, '.', '_' or '-'",
                              field="username")
    if role not in ROLES:
        raise ValidationError("unknown role %(role)s; choose one of %(choices)s",
                              field="role", role=role, choices=", ".join(ROLES))
    if role == "commune" and not commune and not unit:
        raise ValidationError("a commune account needs a commune", field="commune")
    check_new_password(password)
    with kho.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise Conflict("user %(name)s already exists", field="username", name=username)
        user = User(username=username, role=role, password_hash=hash_password(password),
                    display_name=normalize_text(display_name) or username,
                    unit=account_unit(session, role, local_today(kho.settings),
                                      commune=commune, unit=unit))
        session.add(user)
        try:
            session.flush()
        except IntegrityError:   # a parallel request added the same name since the check
            raise Conflict("user %(name)s already exists", field="username",
                           name=username) from None
        return UserInfo.of(user)


def list_users(kho: Kho) -> list[UserInfo]:
    with kho.transaction() as session:
        return [UserInfo.of(u) for u in session.scalars(select(User).order_by(User.username))]


def create_token(kho: Kho, username: str, label: str = "") -> str:
    """Create an API token for ``username`` and return it; only its hash is stored."""
    token = new_token()
    with kho.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("no user %(name)s", field="username", name=repr(username))
        session.add(ApiToken(user=user, token_hash=token_hash(token), prefix=token[:10],
                             label=normalize_text(label)))
    return token


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    """A hash to check passwords of unknown users against, so that an unknown user
    name answers as slowly as a wrong password and cannot be told from it."""
    return hash_password(new_token())


def _signed_in_user(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    stored = user.password_hash if user is not None else _stand_in_hash()
    matches = verify_password(password, stored)      # always one scrypt run
    if user is None or not matches:
        raise AuthenticationRequired("wrong user name or password", field="password")
    if not user.active:     # said only to whoever knows the password
        raise AuthenticationRequired(ACCOUNT_DISABLED, field="username")
    return user


def sign_in(kho: Kho, username: str, password: str) -> tuple[Actor, str]:
    """Check a browser sign-in: the actor and the stamp its session must keep.

    Raises AuthenticationRequired, with the same message for an unknown user and a
    wrong password; a disabled account is told it is disabled (:data:`ACCOUNT_DISABLED`)
    only when its password was right, so the message never shows which user names
    exist. The stamp is checked by
    :func:`app.services.access.browser_sessions.actor_for_session` on every request; it changes when the password is set
    again, which signs out every browser session opened with the old password.
    """
    with kho.transaction() as session:
        user = _signed_in_user(session, username, password)
        return actor_for(user), session_stamp(user.password_hash)


def actor_for_token(kho: Kho, token: str) -> Actor:
    """The actor owning a bearer token; AuthenticationRequired if unknown or revoked."""
    with kho.transaction() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
        if row is None or row.revoked_at is not None or not row.user.active:
            raise AuthenticationRequired("invalid or revoked API token", field="token")
        now = utcnow()
        last = row.last_used_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        if last is None or (now - last).total_seconds() > TOKEN_TOUCH_SECONDS:
            row.last_used_at = now       # at most one write a minute per token
        return actor_for(row.user)


def actor_by_name(kho: Kho, username: str) -> Actor:
    """The actor for ``kho ingest --as USER`` and similar CLI use."""
    with kho.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("no user %(name)s", field="username", name=repr(username))
        return actor_for(user)


def set_locale(kho: Kho, actor: Actor, locale: str) -> None:
    """Remember the UI language ``actor`` chose ("vi" or "en"), for their other devices.

    Raises ValidationError (field ``locale``) for any other code.
    """
    if locale not in LOCALES:
        raise ValidationError("unknown language %(code)s", field="locale", code=repr(locale))
    with kho.transaction() as session:
        user = session.get(User, actor.user_id)
        if user is not None:
            user.locale = locale


def locale_of(kho: Kho, user_id: int) -> Optional[str]:
    """The UI language a user chose, or None if they never chose one."""
    with kho.transaction() as session:
        user = session.get(User, user_id)
        return user.locale if user else None


def session_stamp_of(kho: Kho, user_id: int) -> Optional[str]:
    """The current session stamp of a user (to keep one's own session after a reset)."""
    with kho.transaction() as session:
        user = session.get(User, user_id)
        return session_stamp(user.password_hash) if user else None


def ensure_admin(kho: Kho) -> tuple[bool, "Path"]:
    """Create user ``admin`` with a random password when no admin exists.

    The password goes to ``<instance>/admin-password.txt`` (mode 0600), never to the
    database in clear. Returns (created, path of the password file).
    """
    path = kho.settings.instance / "admin-password.txt"
    with kho.transaction() as session:
        if session.scalar(select(User.id).where(User.role == "admin")):
            return False, path
    password = secrets.token_urlsafe(12)
    add_user(kho, "admin", "admin", password, display_name="Quản trị")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(password + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return True, path
