"""Make a product airable in a test without running ffmpeg: the catalogue rows of an
audio file processed into a broadcast MP3 (or a video with its proxy).

Only a product with a broadcast copy or a playable proxy can be logged as aired
(app.services.broadcasts.log.AIR_COPIES). Tests about the log's other rules use this; the
tests of the rule itself process a real file (tests/unit/web/test_broadcast_form.py).
No bytes are stored: nothing in these tests reads them.
"""
from __future__ import annotations

import hashlib


def give_broadcast_copy(kho, product_id: int, rendition: str = "broadcast") -> int:
    """Add a ready file with a ``rendition`` derivative to ``product_id``; its id."""
    from archive.models import Derivative, File, Product

    category, media = ("video", "video/mp4") if rendition == "proxy" else ("audio", "audio/wav")
    sha = hashlib.sha256(f"{product_id}-{rendition}".encode()).hexdigest()
    with kho.transaction() as session:
        row = File(product_id=product_id, sha256=sha, size=1000, media_type=media,
                   category=category, original_filename=f"ban-tin-{product_id}.wav",
                   storage_key=f"originals/{sha[:2]}/{sha[2:4]}/{sha}", status="ready")
        row.derivatives = [Derivative(name=rendition, media_type="audio/mpeg", size=500,
                                      storage_key=f"derivatives/{sha[:2]}/{sha[2:4]}/{sha}/"
                                                  f"{rendition}.mp3")]
        session.add(row)
        session.get(Product, product_id).status = "ready"
        session.flush()
        return row.id
