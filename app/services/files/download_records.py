"""Recording downloads: who fetched which original or rendition, coalesced per day.

:func:`record_download` is called by :func:`app.services.files.downloads.open_rendition`, the
one path by which the pages and the API hand out bytes (streamed or as a presigned S3
redirect), so every door records the same way. What counts as one download:

* one (account, file, rendition, day in Vietnam) — a player's many ``Range`` requests,
  a resumed transfer or the same copy fetched again that day add to ``count`` only;
* originals and the renditions people use (``broadcast``, ``lowband``, ``proxy``,
  ``preview``, ``text``); the small images the pages draw around a product
  (:data:`DECORATIONS`: thumbnails in search results, a video's poster frame, an audio
  waveform) are not downloads;
* only accounts: maintenance jobs (no user) are never counted.

The commune is the account's commune at the time of the download (None for centre and
office staff), so reports can say which communes use the archive even after the
account moves.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional
from zoneinfo import ZoneInfo

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.usage import DownloadRecord

DECORATIONS = frozenset({"thumbnail", "poster", "waveform"})


def counts_as_download(actor: Actor, rendition: str) -> bool:
    """Whether fetching ``rendition`` by ``actor`` is recorded (see the module text)."""
    return actor.user_id is not None and rendition not in DECORATIONS


def download_day(kho: Kho, at: datetime) -> date:
    """Vietnam's date (setting ``timezone``) of the instant ``at`` (aware, any zone):
    a download at 23:30 UTC belongs to the next day in Asia/Ho_Chi_Minh."""
    return at.astimezone(ZoneInfo(kho.settings.timezone)).date()


def record_download(kho: Kho, actor: Actor, product_id: int, file_id: int, rendition: str,
                    *, at: Optional[datetime] = None) -> bool:
    """Count one request for ``rendition`` of ``file_id`` by ``actor`` at ``at`` (now).

    Creates the day's row or increments its ``count`` in one atomic upsert in its own
    short transaction, so concurrent requests (threads, server processes) for the same
    file end as one row with every request counted and no constraint error. Returns
    False (and writes nothing) when the request is not a download (see
    :func:`counts_as_download`). The caller has already checked that the actor may
    see the product.
    """
    if not counts_as_download(actor, rendition):
        return False
    moment = at or utcnow()
    row = {"user_id": actor.user_id, "commune_id": actor.commune_id,
           "product_id": product_id, "file_id": file_id, "rendition": rendition,
           "day": download_day(kho, moment), "count": 1, "first_at": moment,
           "last_at": moment}
    with kho.transaction() as session:
        upsert(session, DownloadRecord, [row], ("user_id", "file_id", "rendition", "day"),
               {"count": DownloadRecord.count + 1, "last_at": moment})
    return True
