"""Signed-in browsers, kept server-side so that signing out really ends a session.

The session cookie (signed by Flask) carries the user id, the password stamp and a
random session token; the catalogue keeps only the token's SHA-256
(:class:`archive.accounts.BrowserSession`). A request counts as signed in only while
that row exists, was seen within :data:`IDLE_DAYS` days, and the stamp matches the
current password. Sign-out deletes the row; disabling an account deletes all of them.
"""
from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.accounts import actor_for
from app.services.access.actors import Actor
from app.services.access.passwords import new_token, session_stamp, token_hash
from archive.base import utcnow
from archive.models import BrowserSession, User

IDLE_DAYS = 31          # a session unused this long is over
TOUCH_SECONDS = 60      # last_seen_at is written at most once a minute per session


def open_session(kho: Kho, user_id: int) -> str:
    """Record a new signed-in browser for ``user_id``; the token goes into its cookie."""
    token = new_token()
    with kho.transaction() as session:
        # sessions idle too long are over; forget them as new ones begin
        session.execute(delete(BrowserSession).where(
            BrowserSession.last_seen_at < utcnow() - timedelta(days=IDLE_DAYS)))
        session.add(BrowserSession(user_id=user_id, token_hash=token_hash(token)))
    return token


def close_session(kho: Kho, token: object) -> None:
    """Forget the browser session holding ``token`` (sign-out). Unknown tokens are ignored."""
    if isinstance(token, str) and token:
        with kho.transaction() as session:
            session.execute(delete(BrowserSession).where(
                BrowserSession.token_hash == token_hash(token)))


def end_user_sessions(session: Session, user_id: int) -> None:
    """Sign ``user_id`` out of every browser (inside the caller's transaction)."""
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))


def actor_for_session(kho: Kho, user_id: object, stamp: object,
                      token: object) -> Optional[Actor]:
    """The actor of a browser session, or None when it must count as signed out.

    None when the session row is gone (signed out, account disabled) or idle for more
    than :data:`IDLE_DAYS`, when the user is gone or disabled, or when ``stamp`` no
    longer matches the password (it was set again).
    """
    if not (isinstance(user_id, int) and isinstance(stamp, str) and isinstance(token, str)):
        return None
    now = utcnow()
    with kho.transaction() as session:
        row = session.scalar(select(BrowserSession).where(
            BrowserSession.token_hash == token_hash(token),
            BrowserSession.user_id == user_id))
        user = session.get(User, user_id) if row is not None else None
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(stamp, session_stamp(user.password_hash)):
            return None
        seen = row.last_seen_at
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=now.tzinfo)
        if now - seen > timedelta(days=IDLE_DAYS):
            session.delete(row)
            return None
        if (now - seen).total_seconds() > TOUCH_SECONDS:
            row.last_seen_at = now
        return actor_for(user)
