"""Caption and transcript tracks of an audio or video file (WebVTT, SRT converted on input).

A :class:`CaptionTrack` belongs to one original :class:`archive.catalogue.File` (an
audio or video file of a product): ``kind`` says what it is for — ``captions`` (timed
text shown over the picture, for deaf viewers and in noisy rooms) or ``transcript``
(what is said, read beside the player; the usual timed text of a radio feature) —
``language`` is a code of the ``languages`` vocabulary, and ``machine_generated`` is
set for text made by a speech-to-text tool (a broadcaster's own), which readers should
trust less than text a person wrote.

The file as received is an original like product files: the object lives in the same
store under the same content-addressed key (``archive.storage.original_key(sha256)``),
written through the same writer (primary + replica, the replica outbox when it does not
answer) before the row commits, and the preservation engines walk it
(``archive.activities.stored_objects``). ``source`` says where it came from: an
``upload``, a subtitle stream ``embedded`` in the media file (extracted at processing
time), or a bag (``import``).

``cues`` is the parsed text, ``[[start_ms, end_ms, text, line], …]`` in time order
(``line``: the 1-based line of the cue's timing line in the file, for precise
messages); the index, the transcript panel and the WebVTT the players load are made
from the stored object and these cues, never from another copy. ``encoding`` is how the
bytes were read (``utf-8``; a legacy Vietnamese encoding once a converter reads them).
``problems`` are what a later check found (cues past the media's end, known only
once the media file is processed): ``[{"line", "code", "params"}]``.

Ids are never reused (public in URLs), as files' are.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.base import Base, utcnow

TRACK_KINDS = ("captions", "transcript")
TRACK_SOURCES = ("upload", "embedded", "import")
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


class CaptionTrack(Base):
    """A caption or transcript file attached to an audio or video original."""

    __tablename__ = "caption_tracks"
    # one row per content and media file: the same caption file sent twice is one track
    __table_args__ = (UniqueConstraint("file_id", "sha256", name="uq_caption_tracks_file_sha256"),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    # archive.catalogue.File, named by string: that module imports this one
    file = relationship("File", back_populates="tracks")
    kind: Mapped[str] = mapped_column(String(20), default="captions")       # TRACK_KINDS
    language: Mapped[str] = mapped_column(String(20), default="")           # languages code
    label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    machine_generated: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(20), default="upload")       # TRACK_SOURCES
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)                            # bytes
    media_type: Mapped[str] = mapped_column(String(120), default="text/vtt")
    original_filename: Mapped[str] = mapped_column(String(500))
    storage_key: Mapped[str] = mapped_column(String(300), index=True)
    encoding: Mapped[str] = mapped_column(String(20), default="utf-8", server_default="utf-8")
    cues: Mapped[list] = mapped_column(default=list)      # [[start_ms, end_ms, text, line]]
    problems: Mapped[list] = mapped_column(default=list)  # [{"line", "code", "params"}]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def words(self) -> int:
        """How many words the cues hold (for the page: "1.500 từ")."""
        return sum(len(str(c[2]).split()) for c in self.cues or [])

    def __repr__(self) -> str:
        return f"<CaptionTrack {self.id} {self.kind} {self.language} of file {self.file_id}>"
