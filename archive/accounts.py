"""Users, roles and API tokens. Passwords and tokens are stored hashed only."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.base import Base, utcnow
from archive.vocabulary import Unit

ROLES = ("admin", "producer", "commune", "office")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20))
    # the unit the account belongs to (a commune, an office, a province body); None:
    # not set (an office account without a unit sees everything, as before 0015)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    unit: Mapped[Optional[Unit]] = relationship()
    # the UI language the user chose ("vi"/"en"); None: never chose (browser language)
    locale: Mapped[Optional[str]] = mapped_column(String(5), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user",
                                                    cascade="all, delete-orphan")

    @property
    def commune(self) -> Optional[Unit]:
        """The commune of a commune account (its unit); None for every other role."""
        return self.unit if self.role == "commune" else None

    @commune.setter
    def commune(self, unit: Optional[Unit]) -> None:
        self.unit = unit

    @property
    def commune_id(self) -> Optional[int]:
        """The id of :attr:`commune`."""
        return self.unit_id if self.role == "commune" else None

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept (tokens are 256-bit random)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(back_populates="tokens")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))      # shown in lists to tell tokens apart
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]


class LoginFailure(Base):
    """A failed sign-in, kept 15 minutes to rate-limit guessing across all server
    processes (the key is ``address|username``)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class BrowserSession(Base):
    """A signed-in browser: the cookie holds a random token, only its SHA-256 is here.

    Signing out deletes the row, so a copy of the cookie replayed later is refused;
    disabling the account deletes all of its rows. A password set again also ends the
    user's sessions (the cookie's password stamp no longer matches).
    """

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

