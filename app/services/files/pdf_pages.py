"""Reading a PDF page by page: which pages a file has, and one page as a JPEG image.

Pages are rendered on first request (:func:`ingest.pdf.render_page`, ``PAGE_WIDTH_PX``
wide) and kept as a derivative object in storage under
``derivatives/ab/cd/<sha256>/page-<n>-w<width>.jpg``; later readers get the stored
image. Rendering when asked, rather than at ingest, costs nothing for the PDFs nobody
pages through, needs no reprocessing of the PDFs already archived, and keeps a 300-page
report from holding up its upload. The objects are reproducible from the original (as
every derivative is) and have no catalogue row: they are a cache, not a rendition
offered for download.

Who may read a page is who may see the file (:func:`load_visible` and
:func:`visible_file`: the one access rule, a file stricter than its product included),
as for every other rendition; a page image is never served before that check.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.files.downloads import Download
from app.services.catalogue.products import load_visible, visible_file
from app.services.common.clock import local_today
from app.services.catalogue.product_view import download_name
from archive.errors import NotFound
from archive.storage import derivative_key
from ingest.pdf import render_page

PAGE_WIDTH_PX = 1000          # width of a reading page: sharp on a phone, ~100–250 kB
PAGE_TYPE = "image/jpeg"


@dataclass(frozen=True)
class PdfPages:
    """A PDF file of a product as the reader shows it: ``pages`` is its page count."""

    product_id: int
    product_title: str
    file_id: int
    filename: str
    pages: int
    sha256: str
    storage_key: str


def pdf_pages(kho: Kho, actor: Actor, product_id: int, file_id: int) -> PdfPages:
    """The PDF ``file_id`` of the product, with its page count from ingest's probe.

    Raises NotFound when the actor may not see the product (PermissionDenied for a
    restricted one outside its audience) or the file, the file is not in it, it
    is not a PDF, or its pages could not be read at ingest (a failed probe).
    """
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, local_today(kho.settings))
        row = visible_file(viewer, product, file_id)
        pages = (row.technical or {}).get("pages") if row.category == "pdf" else None
        if not isinstance(pages, int) or pages < 1:
            raise NotFound("file %(file)s has no pages to read (it is not a PDF, or its "
                           "pages could not be read)", field="file_id", file=row.id)
        return PdfPages(product.id, product.title, row.id, row.original_filename, pages,
                        row.sha256, row.storage_key)


def check_page(doc: PdfPages, page: int) -> None:
    """NotFound (naming the page count) unless ``1 <= page <= doc.pages``."""
    if not 1 <= page <= doc.pages:
        raise NotFound("there is no page %(page)s: this PDF has pages 1 to %(pages)s",
                       field="page", page=page, pages=doc.pages)


def page_image(kho: Kho, actor: Actor, product_id: int, file_id: int, page: int) -> Download:
    """Page ``page`` (1-based) of the PDF as a stored JPEG, rendered on first request.

    Raises NotFound as :func:`pdf_pages` and :func:`check_page`; ProcessingError when
    the PDF cannot be rendered (damaged, encrypted).
    """
    doc = pdf_pages(kho, actor, product_id, file_id)
    check_page(doc, page)
    key = derivative_key(doc.sha256, f"page-{page}-w{PAGE_WIDTH_PX}", "jpg")
    if not kho.storage.exists(key):
        _render_into_storage(kho, doc, page, key)
    name = download_name(doc.product_id, doc.product_title, f"page-{page}", "jpg")
    return Download(key, kho.storage.size(key), PAGE_TYPE, name, doc.sha256,
                    storage=kho.storage)


def _render_into_storage(kho: Kho, doc: PdfPages, page: int, key: str) -> None:
    """Render the page from the original (fetched to the spool when storage is remote)
    and store it; two readers rendering the same page at once both write the same
    image, atomically, so either copy is whole."""
    spool = kho.settings.spool_dir
    spool.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="page-", dir=spool))
    try:
        source = kho.storage.local_path(doc.storage_key)
        if source is None:
            source = work / doc.sha256
            kho.storage.download_to(doc.storage_key, source)
        target = work / "page.jpg"
        render_page(source, page, PAGE_WIDTH_PX, target)
        kho.storage.put_file(key, target, content_type=PAGE_TYPE)
    finally:
        shutil.rmtree(work, ignore_errors=True)
