"""Downloads of originals and renditions, with HTTP byte ranges.

:func:`open_rendition` checks that the actor may see the product and finds the object;
the front door then either redirects to ``presigned_url`` (S3) or streams the bytes
with :meth:`Download.iter_range`. :func:`parse_range` reads a ``Range`` header.
Nothing here reads the object until the door asks for bytes.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.consent import allowed_uses
from app.services.catalogue.products import load_visible, visible_file
from app.services.common.clock import local_today
from app.services.files.download_records import record_download
from app.services.catalogue.product_view import (download_name, download_warning,
                                                 extension_for)
from app.services.preservation import fixity
from archive.errors import Conflict, Message, MissingObject, NotFound, ValidationError
from archive.storage import Storage

ORIGINAL = "original"
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class RangeNotSatisfiable(ValidationError):
    """A ``Range`` that selects no byte of the object (HTTP 416). ``size`` in bytes."""

    def __init__(self, header: str, size: int) -> None:
        super().__init__("range %(range)s is outside the %(size)s bytes of the file",
                         field="range", range=header.strip(), size=size)
        self.size = size


@dataclass(frozen=True)
class Download:
    """One object to send: ``size`` in bytes, ``filename`` the safe download name.

    ``presigned_url`` is a direct URL when the store offers one (S3), else None and
    the door streams :meth:`iter_range`.
    """

    storage_key: str
    size: int
    media_type: str
    filename: str
    sha256: str
    presigned_url: Optional[str] = None
    storage: Optional[Storage] = field(default=None, repr=False, compare=False)
    content_sha256: Optional[str] = None   # hex SHA-256 of the whole object, when known
    # called once the object is open and its bytes are about to be sent (the download
    # is recorded then, not before: a missing object is a 404, not a download)
    on_open: Optional[Callable[[], None]] = field(default=None, repr=False, compare=False)
    # the product's consents do not allow this use (radio): the doors say so
    warning: Optional[Message] = None

    @property
    def warning_headers(self) -> dict[str, str]:
        """``Kho-Warning: radio-not-consented`` when the product's consents do not allow
        a broadcast (the download goes ahead: Kho does not see its use); else none."""
        return {"Kho-Warning": "radio-not-consented"} if self.warning else {}

    @property
    def digest_headers(self) -> dict[str, str]:
        """``Repr-Digest`` (RFC 9530) and the older ``Digest`` (RFC 3230) with the
        SHA-256 of the whole object, so a client can verify it; empty when the
        digest is not known (renditions: only originals are hashed by Kho)."""
        if not self.content_sha256:
            return {}
        value = base64.b64encode(bytes.fromhex(self.content_sha256)).decode("ascii")
        return {"Repr-Digest": f"sha-256=:{value}:", "Digest": f"sha-256={value}"}

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        """Chunks of bytes ``start..end`` (inclusive). Raises NotFound if the object
        vanished, ValidationError for a range outside the object."""
        if self.storage is None:
            raise MissingObject("object %(key)s is not readable here", field="key",
                                key=self.storage_key)
        chunks = self.storage.read_range(self.storage_key, start, end)
        if self.on_open is not None:
            self.on_open()
        return chunks


def open_rendition(kho: Kho, actor: Actor, product_id: int, file_id: int,
                   rendition: str, *, presign: bool = True, record: bool = True) -> Download:
    """The original (``rendition="original"``) or a named derivative of a file.

    Raises NotFound when the product is missing or hidden from the actor (closed,
    embargoed: :func:`~app.services.catalogue.products.load_visible`; PermissionDenied
    for a restricted one outside the actor's audience), the file is not part of the
    product or is stricter than it and hidden from the actor (its renditions with it),
    or the rendition does not exist. A presigned URL is asked for only after these
    checks, valid ``s3_presign_seconds`` (default 300 s). ``warning`` is set when the
    product's consents do not allow radio use (the download still goes ahead).
    ``presign=False`` skips asking the store for a direct URL. The request is recorded
    as a download of the actor (:func:`app.services.files.download_records.record_download`, coalesced
    per day) unless ``record=False``: a page reading a rendition for itself (the text
    excerpt on the product page) or a ``HEAD`` request is no download. It is recorded
    only once the bytes go out: when :meth:`Download.iter_range` has opened the object,
    or, for a presigned URL, once the store has confirmed the object is there (else
    MissingObject, a 404) — a download that fails is not counted.
    """
    today = local_today(kho.settings)
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, today)
        original = visible_file(viewer, product, file_id)
        if rendition == ORIGINAL:
            key, size, media_type = original.storage_key, original.size, original.media_type
            ext = extension_for(original.original_filename, media_type)
        else:
            derivative = original.derivative(rendition)
            if derivative is None:
                raise NotFound("file %(file)s has no rendition %(name)s", field="rendition",
                               file=file_id, name=rendition)
            key, size, media_type = derivative.storage_key, derivative.size, \
                derivative.media_type
            ext = extension_for(media_type=media_type, storage_key=key)
        name = download_name(product.id, product.title, rendition, ext)
        sha256 = original.sha256
        warning = download_warning(allowed_uses(product.consents, today))
        faulty = fixity.faulty_copies(session, key) if rendition == ORIGINAL else set()
    store = _whole_copy(kho, faulty, file_id)
    # issued only now, after the check, and short-lived: a link copied elsewhere or
    # replayed after the access that allowed it ended stops working by itself
    url = store.presigned_url(key, filename=name, content_type=media_type,
                              expires=kho.settings.s3_presign_seconds) if presign else None

    def recorded() -> None:
        record_download(kho, actor, product_id, file_id, rendition)

    if url is not None and record:
        if not store.exists(key):          # the redirect would end in the store's 404
            raise MissingObject("object %(key)s is missing", field="key", key=key)
        recorded()
    return Download(key, size, media_type, name, sha256, url, store,
                    content_sha256=sha256 if rendition == ORIGINAL else None,
                    on_open=recorded if record and url is None else None, warning=warning)


def _whole_copy(kho: Kho, faulty: set[str], file_id: int) -> Storage:
    """The store to read an original from: the primary, or the replica when the last
    fixity check found the primary damaged and the replica whole. Conflict when every
    copy Kho keeps was found damaged: its bytes are not the original's, and sending
    them with the original's digest would be a lie."""
    for name, store in fixity.copies(kho).items():
        if name not in faulty:
            return store
    raise Conflict("the original of file %(file)s is damaged in every copy Kho keeps; "
                   "it cannot be downloaded until the administrator restores it",
                   field="file_id", file=file_id)


def parse_range(header: Optional[str], size: int) -> Optional[tuple[int, int]]:
    """``(start, end)`` inclusive for a single ``bytes=a-b`` / ``a-`` / ``-n`` range.

    Returns None when there is no header, or when it is not a single byte range (the
    door then sends the whole object, as HTTP allows). Raises RangeNotSatisfiable when
    the range selects no byte of an object of ``size`` bytes. ``end`` is clamped to
    the last byte.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:                      # suffix: the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            raise RangeNotSatisfiable(header, size)
        return max(0, size - count), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None                    # syntactically invalid: ignore it
    if start >= size:
        raise RangeNotSatisfiable(header, size)
    return start, min(end, size - 1)
