"""Near-duplicates: the fingerprints of originals, the keys that find candidates, and
the pairs found with the producers' answers.

- :class:`FileLikeness`: one row per processed original that has a fingerprint
  (``ingest.likeness``): ``kind`` "image" with ``image_hash`` (the 64-bit perceptual
  hash, 16 hex digits) and ``image_fine`` (the 256-bit one, 64 hex digits), or "audio"
  with ``fingerprint`` (Chromaprint's raw values, little-endian unsigned 32-bit)
  covering ``seconds`` of sound. Derived data: made again whenever the file is
  processed.
- :class:`LikenessKey`: the keys of a fingerprint (``ingest.likeness.keys``: an image's
  4 bands, an audio file's sampled values), indexed, so an upload finds its candidates
  by key look-ups instead of reading every fingerprint.
- :class:`NearDuplicate`: two originals of different products found near each other
  (``file_id`` the later file — the higher id —, ``other_file_id`` the earlier), how
  near (``distance``: the share of fingerprint bits that differ, 0–1) and what a
  producer answered: ``answer`` "" (not yet), "same" (the same work: the office's
  figures count the later product once) or "different" (another work), with who and
  when. The answer is the catalogue's memory: processing the files again keeps it.

Every row goes with its files (``ON DELETE CASCADE``): a removed or replaced file, a
deleted product, takes its fingerprint, keys and pairs along.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow

KINDS = ("image", "audio")
ANSWERS = ("same", "different")


class FileLikeness(Base):
    """The near-duplicate fingerprint of one original."""

    __tablename__ = "file_likenesses"

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))                        # KINDS
    image_hash: Mapped[str] = mapped_column(String(16), default="")      # hex, images
    image_fine: Mapped[str] = mapped_column(String(64), default="")      # hex, images
    fingerprint: Mapped[Optional[bytes]] = mapped_column(LargeBinary)    # audio
    seconds: Mapped[float] = mapped_column(Float, default=0.0)           # audio covered
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


class LikenessKey(Base):
    """One key of one fingerprint (the look-up of candidates)."""

    __tablename__ = "likeness_keys"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)


class NearDuplicate(Base):
    """Two originals of different products that are near each other."""

    __tablename__ = "near_duplicates"

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"),
                                         primary_key=True)               # the later
    other_file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"),
                                               primary_key=True, index=True)  # the earlier
    kind: Mapped[str] = mapped_column(String(10))                        # KINDS
    distance: Mapped[float] = mapped_column(Float)                       # 0–1
    answer: Mapped[str] = mapped_column(String(10), default="", server_default="")
    answered_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[Optional[datetime]]
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
