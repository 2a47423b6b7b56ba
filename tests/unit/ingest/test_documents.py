"""Text documents (.docx, .odt, .txt): identified by content, text extracted, hostile
files refused with a message naming the file."""
from __future__ import annotations

import os
import unicodedata
import zipfile

import docx as python_docx
import pytest

from ingest import documents, package_xml
from ingest.detect import detect
from ingest.steps import process
from tests.unit.ingest import document_factory as df

ARTICLE = ["Hội nghị tuyên truyền về quyền trẻ em tại xã Đăk Kôi",
           "Sáng 12/3, cán bộ xã đã phổ biến Luật Trẻ em cho đồng bào Xơ Đăng."]
DOCX, ODT = documents.DOCX_TYPE, documents.ODT_TYPE


def _ran(path, workdir, options, name=None):
    results = process(path, detect(path, name or path.name), workdir, options)
    return {r.step: r for r in results}, results


TONES = "\u0300\u0301\u0303\u0309\u0323"     # the five marks Windows-1258 writes apart


def _windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: ê, ơ, ă… precomposed, tones as marks after."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


# ------------------------------------------------------------------------- detection

def test_a_docx_is_a_text_document_whatever_its_name(tmp_path):
    path = df.docx(tmp_path / "upload", ARTICLE)
    found = detect(path, "bai-viet.docx")
    assert (found.media_type, found.category, found.mismatch) == (DOCX, "text", False)
    assert detect(path, "no-name").category == "text"
    assert detect(path, "bai-viet.odt").mismatch is True


def test_a_docx_written_by_python_docx_is_read(tmp_path, workdir, options):
    document = python_docx.Document()
    document.add_heading("Phóng sự: Bình đẳng giới ở Kon Braih", level=1)
    document.add_paragraph("Chị Y Hoa, người Ba Na, kể về lớp học chữ.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Xã", "Đăk Rve"
    document.core_properties.title = "Bình đẳng giới"
    document.save(tmp_path / "phong-su.docx")
    steps, _ = _ran(tmp_path / "phong-su.docx", workdir, options)
    assert steps["probe"].metadata["title"] == "Bình đẳng giới"
    text = steps["text"].text
    assert "Phóng sự: Bình đẳng giới ở Kon Braih\nChị Y Hoa, người Ba Na" in text
    assert "Đăk Rve" in text


def test_an_odt_is_a_text_document(tmp_path):
    path = df.odt(tmp_path / "kich-ban.odt", ARTICLE)
    found = detect(path, path.name)
    assert (found.media_type, found.category, found.mismatch) == (ODT, "text", False)


def test_a_zip_that_is_neither_is_an_archive_not_a_document(tmp_path, workdir, options):
    path = tmp_path / "bai-viet.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", df.CONTENT_TYPES)     # but no word/document.xml
        z.writestr("notes.txt", "không phải văn bản Word")
    found = detect(path, path.name)
    assert (found.media_type, found.category, found.mismatch) == (
        "application/zip", "other", True)
    steps, results = _ran(path, workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "failed")]
    assert steps["probe"].message == ("bai-viet.docx is a ZIP archive but not a Word "
                                      "document (it has no word/document.xml)")


def test_a_spreadsheet_is_not_a_text_document(tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", df.CONTENT_TYPES)
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert detect(path, path.name).category == "other"


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff")])
def test_plain_text_in_each_unicode_encoding(tmp_path, workdir, options, encoding, bom):
    text = "\n".join(ARTICLE)
    path = tmp_path / "tin.txt"
    path.write_bytes(bom + text.encode(encoding))
    found = detect(path, path.name)
    assert (found.media_type, found.category, found.mismatch) == ("text/plain", "text", False)
    steps, _ = _ran(path, workdir, options)
    assert steps["text"].text == text
    assert steps["text"].renditions[0].path.read_text(encoding="utf-8") == text


def test_windows_1258_text_is_decoded_and_composed_to_nfc(tmp_path, workdir, options):
    text = "Quyền con người của đồng bào Ba Na ở Kon Rẫy: chăm lo đời sống, tiếng Việt."
    path = tmp_path / "kich-ban.txt"
    path.write_bytes(_windows_1258(text))
    assert detect(path, path.name).category == "text"
    steps, _ = _ran(path, workdir, options)
    assert steps["probe"].metadata["encoding"] == "Windows-1258"
    assert steps["text"].text == text
    assert unicodedata.is_normalized("NFC", steps["text"].text)


def test_mostly_utf8_with_one_broken_byte_stays_utf8(tmp_path, workdir, options):
    path = tmp_path / "tin.txt"
    path.write_bytes(("Đồng bào dân tộc thiểu số tham gia bầu cử đông đủ. " * 3)
                     .encode("utf-8") + b"\xff" + " Kết thúc.".encode("utf-8"))
    steps, _ = _ran(path, workdir, options)
    assert steps["probe"].metadata["encoding"] == "UTF-8"
    assert steps["text"].text.startswith("Đồng bào dân tộc") and "\ufffd" in steps["text"].text


# ------------------------------------------------------------------------- extraction

def test_docx_text_leaves_out_deleted_changes_field_codes_and_fallbacks(tmp_path, workdir,
                                                                          options):
    body = df.docx_body(["Đoạn một"], extra=(
        "<w:p><w:r><w:t>Giữ</w:t></w:r><w:del><w:r><w:delText>Xóa</w:delText></w:r></w:del>"
        "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:tab/><w:t>sau tab</w:t></w:r>"
        "</w:p><mc:AlternateContent><mc:Choice><w:p><w:r><w:t>Hộp chữ</w:t></w:r></w:p>"
        "</mc:Choice><mc:Fallback><w:p><w:r><w:t>Hộp chữ</w:t></w:r></w:p></mc:Fallback>"
        "</mc:AlternateContent>"))
    path = df.docx(tmp_path / "a.docx", [], body=body, title="Tin bài", author="Nguyễn Thu Hà")
    steps, _ = _ran(path, workdir, options)
    assert steps["text"].text == "Đoạn một\nGiữ sau tab\nHộp chữ"   # tabs become spaces
    assert steps["probe"].metadata["author"] == "Nguyễn Thu Hà"
    assert steps["text"].renditions[0].params == {"source": "docx"}


def test_odt_text_keeps_headings_spaces_and_line_breaks(tmp_path, workdir, options):
    content = (
        '<?xml version="1.0"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:text><text:h>Kịch bản</text:h><text:p>Người dẫn:<text:s text:c="3"/>xin'
        '<text:line-break/>chào<office:annotation><text:p>ghi chú</text:p></office:annotation>'
        '</text:p></office:text></office:body></office:document-content>')
    path = df.odt(tmp_path / "k.odt", [], content=content, title="Kịch bản phát thanh")
    steps, _ = _ran(path, workdir, options)
    assert steps["text"].text == "Kịch bản\nNgười dẫn: xin\nchào"
    assert steps["probe"].metadata["title"] == "Kịch bản phát thanh"
    assert steps["probe"].metadata["pages"] == 2


def test_a_document_without_text_is_ready_with_no_rendition(tmp_path, workdir, options):
    path = df.docx(tmp_path / "trang.docx", [])
    steps, results = _ran(path, workdir, options)
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert steps["text"].message == "no text found" and steps["text"].renditions == []


# -------------------------------------------------------------------------- hostile

def test_a_zip_bomb_docx_is_refused_after_the_cap(tmp_path, workdir, options, monkeypatch):
    monkeypatch.setattr(package_xml, "MAX_PART_BYTES", 8 * 1024 * 1024)
    path = df.zip_bomb_docx(tmp_path / "bom.docx", megabytes=40)
    assert path.stat().st_size < 200_000
    assert detect(path, path.name).category == "text"
    steps, results = _ran(path, workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "failed")]
    assert steps["probe"].message == (
        "bom.docx expands to more than 8,388,608 bytes (word/document.xml): refused as a "
        "possible zip bomb")


@pytest.mark.parametrize("doctype", [
    df.billion_laughs(),
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<w:document xmlns:w="{df.W_NS}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
    '</w:body></w:document>'])
def test_xml_entities_are_refused(tmp_path, workdir, options, doctype):
    path = df.docx(tmp_path / "thực thể.docx", [], body=doctype)
    steps, results = _ran(path, workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "failed")]
    assert steps["probe"].message == (
        "thực thể.docx was refused: word/document.xml declares a document type "
        "(XML entities are not accepted in documents)")


def test_a_damaged_docx_names_the_file(tmp_path, workdir, options):
    good = df.docx(tmp_path / "good.docx", ARTICLE).read_bytes()
    path = tmp_path / "hỏng.docx"
    path.write_bytes(good[:len(good) // 2])
    steps, results = _ran(path, workdir, options)
    assert results[0].outcome == "failed"
    assert results[0].message.startswith("hỏng.docx is not a Word document")
    bad_xml = df.docx(tmp_path / "xml.docx", [], body="<w:document><w:body>")
    steps, _ = _ran(bad_xml, workdir, options)
    assert steps["probe"].message == ("xml.docx is damaged: word/document.xml is not "
                                      "well-formed XML")


def _in_every_header(path, local_offset: int, central_offset: int, change) -> None:
    """Apply ``change(data, position)`` at a field of every local and central ZIP header."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            change(data, start + offset)
            start += 4
    path.write_bytes(bytes(data))


def test_a_password_protected_part_is_explained(tmp_path):
    path = df.docx(tmp_path / "mat-khau.docx", ARTICLE)
    # the "encrypted" flag on every local and central header of the package
    _in_every_header(path, 6, 8, lambda data, at: data.__setitem__(at, data[at] | 1))
    with pytest.raises(Exception) as caught:
        documents.read_document(path, DOCX)
    assert str(caught.value) == ("mat-khau.docx is password-protected: save it without a "
                                 "password and upload it again")


def test_a_compression_method_zipfile_cannot_inflate_is_named(tmp_path):
    path = df.docx(tmp_path / "nén lạ.docx", ARTICLE)
    # every entry marked deflate64 (method 9), as some Windows tools write large packages
    _in_every_header(path, 8, 10, lambda data, at: data.__setitem__(slice(at, at + 2), b"\x09\x00"))
    assert detect(path, path.name).media_type == DOCX   # still a Word document by its parts
    with pytest.raises(Exception) as caught:
        documents.read_document(path, DOCX)
    assert str(caught.value).startswith("nén lạ.docx stores word/document.xml with a ZIP "
                                        "compression method Kho cannot read (number 9)")
    assert caught.value.problem == package_xml.UNREADABLE


def test_an_encrypted_docx_or_old_doc_is_explained(tmp_path, workdir, options):
    path = tmp_path / "mật.docx"              # Word writes an encrypted .docx as OLE
    path.write_bytes(documents.OLE_MAGIC + bytes(4096))
    steps, results = _ran(path, workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "failed")]
    assert steps["probe"].message.startswith("mật.docx is a password-protected Office file "
                                             "or an old Word .doc")


def test_an_epub_stays_an_epub(tmp_path):
    path = tmp_path / "sach.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", "<container/>")
    assert detect(path, path.name).media_type == "application/epub+zip"


def test_a_binary_file_named_txt_fails_clearly(tmp_path, workdir, options):
    path = tmp_path / "bien-ban.txt"
    path.write_bytes(bytes(range(256)) * 64 + os.urandom(1024))
    found = detect(path, path.name)
    assert (found.category, found.mismatch, found.declared_category) == ("other", True, "text")
    steps, results = _ran(path, workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "failed")]
    assert steps["probe"].message == (
        "bien-ban.txt is not a text document: its bytes are binary data, not text in "
        "UTF-8, UTF-16 or Windows-1258")


def test_control_bytes_are_not_text(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes("Biên bản họp\x01\x02\x03\x04".encode("utf-8") * 100)
    assert detect(path, path.name).category != "text"
