"""Small .docx and .odt files built in code (no binary fixtures): the parts a word
processor writes, with the caller's paragraphs, or hostile variants."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
    '<dc:creator>{author}</dc:creator></cp:coreProperties>')


def docx_body(paragraphs: list[str], extra: str = "") -> str:
    runs = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p)}</w:t></w:r></w:p>"
                   for p in paragraphs)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/'
            f'markup-compatibility/2006"><w:body>{runs}{extra}</w:body></w:document>')


def docx(path: Path, paragraphs: list[str], *, title: str = "", author: str = "",
         body: str | None = None, extra: str = "") -> Path:
    """A minimal Word document: one run per paragraph (``body`` replaces the XML)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", body if body is not None
                   else docx_body(paragraphs, extra))
        if title or author:
            z.writestr("docProps/core.xml", CORE.format(title=escape(title),
                                                         author=escape(author)))
    return path


def odt(path: Path, paragraphs: list[str], *, title: str = "", heading: str = "",
        content: str | None = None) -> Path:
    """A minimal OpenDocument text (``mimetype`` stored first, uncompressed)."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
    head = f"<text:h text:outline-level=\"1\">{escape(heading)}</text:h>" if heading else ""
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    xml = content if content is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        f'<office:body><office:text>{head}{body}</office:text></office:body>'
        f'</office:document-content>')
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ns}><office:meta>'
            f'<dc:title>{escape(title)}</dc:title><meta:document-statistic meta:page-count="2"/>'
            f'</office:meta></office:document-meta>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", xml)
        z.writestr("meta.xml", meta)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest/>')
    return path


def zip_bomb_docx(path: Path, megabytes: int) -> Path:
    """A .docx whose document.xml inflates to ``megabytes`` MB of spaces inside valid XML
    (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode())
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def billion_laughs() -> str:
    """document.xml with the classic nested-entity expansion."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
        for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
            f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
            f'</w:body></w:document>')
