"""OAI-PMH resumption tokens: the rest of a list, as a signed keyset position.

A token carries the request (verb, metadataPrefix, set, the from/until window) and the
position after the last record sent, (datestamp in microseconds, id), never an
offset: records edited meanwhile move to the end of the list instead of shifting the
pages, so nothing is skipped. It is signed with HMAC-SHA256 under a key derived from
the instance's ``secret_key``, so a token that was forged or altered is refused
(badResumptionToken), and it expires after :data:`LIFETIME`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

LIFETIME = timedelta(hours=24)     # how long a harvester may take to ask for the next page
_CONTEXT = b"kho oai-pmh resumption token v1"
_MAC_BYTES = 18


class BadToken(ValueError):
    """The token is malformed, forged, altered, expired or for another verb."""


@dataclass(frozen=True)
class ListState:
    """Where a list stands. Times are microseconds since the epoch (UTC)."""

    verb: str
    prefix: str
    set: str                      # "" for no set
    since_us: Optional[int]       # from, inclusive
    before_us: Optional[int]      # until, exclusive (until + one granule)
    after_us: int                 # keyset: datestamp of the last record sent
    after_id: int                 # keyset: id of the last record sent
    cursor: int                   # records sent before this page
    total: int                    # completeListSize when the list began
    expires: int                  # seconds since the epoch


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware (or naive UTC) datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=value)


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(state: ListState, secret_key: str) -> str:
    """The token text for ``state`` (URL- and XML-safe: ``[A-Za-z0-9_-.]``)."""
    payload = json.dumps(list(asdict(state).values()), separators=(",", ":")).encode()
    mac = hmac.new(_key(secret_key), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(token: str, secret_key: str, verb: str, now: datetime) -> ListState:
    """The state in ``token``; BadToken (with the reason) if it is not one of ours,
    was altered, is for another verb or has expired at ``now``."""
    payload_text, _, mac_text = token.partition(".")
    try:
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except (ValueError, TypeError):
        raise BadToken("the resumption token is not one this repository issued") from None
    expected = hmac.new(_key(secret_key), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if not payload or not hmac.compare_digest(mac, expected):
        raise BadToken("the resumption token is not one this repository issued")
    try:
        state = ListState(*json.loads(payload))
    except (ValueError, TypeError):
        raise BadToken("the resumption token is not one this repository issued") from None
    if state.verb != verb:
        raise BadToken(f"the resumption token belongs to {state.verb}, not {verb}")
    if state.expires < now.timestamp():
        raise BadToken("the resumption token has expired; start the list again")
    return state
