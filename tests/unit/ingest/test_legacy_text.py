"""Legacy Vietnamese encodings (TCVN3, VNI, VISCII) repaired on input: the tables, the
decision on the labelled samples (0 corrupted Unicode samples), bytes, and what the
document, PDF, plain-text and manifest readers make of it."""
from __future__ import annotations

import csv
import random
import unicodedata

import pytest
from openpyxl import Workbook

from ingest import documents, pdf
from ingest.batch import plan_batch
from ingest.legacy_tables import TCVN3, VISCII, VNI, convert, table
from ingest.legacy_text import (Repair, decode_legacy_bytes, provenance, repair_cells,
                                repair_legacy_text)
from ingest.manifest import read_manifest
from ingest.plaintext import decode
from ingest.results import OK
from ingest.vietnamese_syllables import INITIALS, RHYMES, is_syllable

from . import document_factory as df
from .legacy_samples import VIETNAMESE, encode, samples
from .media_factory import text_pdf

# the sample set's one known miss: a line whose every word also reads as Vietnamese
# ("A Thót" for A Thút) stays as it is (ingest/legacy_text.py, rule 4)
KNOWN_MISSES = {"tcvn3-names"}
SAMPLES = samples()


def legacy_bytes(text: str, encoding: str) -> bytes:
    """``text`` saved in an 8-bit legacy code page (TCVN3, VISCII: one byte a letter)."""
    return encode(text, encoding)[0].encode("latin-1")


def windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: letters with their tone as a separate byte."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return out


# --- the tables ------------------------------------------------------------------------

def test_the_tables_are_the_published_ones():
    tcvn3, viscii, vni = table(TCVN3), table(VISCII), table(VNI)
    assert len(tcvn3) == 74 and tcvn3["\xb8"] == "á" and tcvn3["\xad"] == "ư" \
        and tcvn3["\xa7"] == "Đ" and tcvn3["\xfe"] == "ỵ" and "\xb0" not in tcvn3
    assert viscii["\x02"] == "Ẳ" and viscii["\x80"] == "Ạ" and viscii["\xff"] == "Ữ" \
        and viscii["\xad"] == "ễ" and "\xe0" not in viscii            # à is à in VISCII
    assert vni["aê"] == "ă" and vni["AÊ"] == "Ă" and vni["eä"] == "ệ" and vni["ôù"] == "ớ" \
        and vni["ñ"] == "đ" and vni["ò"] == "ị" and vni["aú"] == "ẳ" and vni["OÄ"] == "Ộ"
    assert convert("nhµ n\u2212íc, 3\u22122", TCVN3) == "nhà nước, 3\u22122"   # PDF ư


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.label for s in SAMPLES])
def test_each_labelled_sample(sample):
    repair = repair_legacy_text(sample.text)
    if not sample.legacy:
        assert repair.text == sample.text and not repair.converted and not repair.suspected
    elif sample.label in KNOWN_MISSES:
        assert repair.encoding == sample.encoding and repair.text != sample.expected
    else:
        assert (repair.text, repair.encoding) == (sample.expected, sample.encoding)


def test_no_unicode_line_of_latin1_vietnamese_is_ever_converted():
    """Words whose letters are all Latin-1 (``Tà Xùa``, ``Vì dân``) read as other
    Vietnamese through a table; 500 random lines of them stay as they are."""
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    words = sorted({w for w in (unicodedata.normalize("NFC", i + r[0] + t + r[1:])
                                for i in INITIALS for r in RHYMES for t in tones)
                    if is_syllable(w) and not w.isascii() and max(map(ord, w)) <= 0xFF})
    rng = random.Random(25)
    for _ in range(500):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        repair = repair_legacy_text(line.capitalize())
        assert not repair.converted and not repair.suspected, line


def test_too_little_to_go_on_is_kept_and_said():
    repair = repair_legacy_text("Y Kheâ")                 # VNI, one word to judge
    assert repair.text == "Y Kheâ" and repair.suspected == VNI and not repair.converted
    assert repair.describe() == ("text may be typed in VNI (VNI-Times) but the reading is "
                                 "not sure enough (confidence 0.50): kept as it is")
    [step] = provenance(repair)
    assert step.step == "encoding" and step.outcome == OK
    assert step.metadata == {"legacy_encoding_suspected": "vni", "legacy_confidence": 0.5}
    assert provenance(repair_legacy_text("Cộng hòa")) == [] and provenance(None) == []


def test_the_event_says_what_was_converted_from_what():
    repair = repair_legacy_text("Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do")
    assert repair.text == "Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do"
    [step] = provenance(repair)
    assert step.message.startswith("text converted from TCVN3 (ABC, .VnTime) to Unicode: "
                                   "2 lines, ")
    assert step.metadata["legacy_encoding"] == "tcvn3" \
        and step.metadata["encoding"] == "TCVN3 (ABC, .VnTime)"


def test_table_cells_are_judged_together():
    rows = [["STT", "Hä vµ tªn", "§¬n vÞ"], [1, "NguyÔn V¨n An", "X· §¨k K«i"],
            [2, "Hµ", None], [3, "Y Hoa", "Tà Xùa"]]
    fixed, repair = repair_cells(rows)
    assert repair.encoding == TCVN3 and repair.lines == 5
    assert fixed == [["STT", "Họ và tên", "Đơn vị"], [1, "Nguyễn Văn An", "Xã Đăk Kôi"],
                     [2, "Hà", None], [3, "Y Hoa", "Tà Xùa"]]       # "Hµ" alone is no proof
    same, nothing = repair_cells([["Họ và tên"], ["Tà Xùa"]])
    assert same == [["Họ và tên"], ["Tà Xùa"]] and nothing == Repair("")


# --- bytes -----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", [TCVN3, VISCII])
def test_legacy_bytes_are_recognised(encoding):
    text = VIETNAMESE["news"] + "\nẲNG" * (encoding == VISCII)        # a C0 letter too
    repair = decode_legacy_bytes(legacy_bytes(text, encoding))
    assert repair.encoding == encoding and repair.text == encode(text, encoding)[1]


@pytest.mark.parametrize("label", sorted(VIETNAMESE))
def test_windows_1258_is_never_taken_for_a_legacy_font(label):
    data = windows_1258(VIETNAMESE[label])
    assert not decode_legacy_bytes(data).converted
    assert decode(data).encoding == "cp1258"


# --- the readers -----------------------------------------------------------------------

def test_a_tcvn3_docx_is_read_in_unicode_with_its_event(tmp_path, workdir, options):
    legacy = [encode(p, TCVN3)[0] for p in VIETNAMESE["header-old-style"].split("\n")]
    path = df.docx(tmp_path / "cv.docx", legacy + ["Phụ lục kèm theo"])   # a Unicode line
    steps = documents.process(path, workdir, options, documents.DOCX_TYPE)
    assert [s.step for s in steps] == ["probe", "encoding", "text"]
    assert steps[1].message.startswith("text converted from TCVN3 (ABC, .VnTime)")
    assert steps[2].text == ("Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh "
                             "phúc\nPhụ lục kèm theo")


def test_word_soft_hyphens_are_the_tcvn3_letter_u_horn(tmp_path):
    run = '<w:r><w:t>Th«ng t</w:t><w:softHyphen/><w:t> cña Bé, nhµ n</w:t><w:softHyphen/>' \
          '<w:t>íc</w:t></w:r>'
    body = df.docx_body([]).replace("<w:body>", f"<w:body><w:p>{run}</w:p>")
    document = documents.read_document(df.docx(tmp_path / "tt.docx", [], body=body),
                                       documents.DOCX_TYPE)
    assert document.text == "Thông tư của Bộ, nhà nước" and document.legacy.encoding == TCVN3
    plain = df.docx_body([]).replace("<w:body>", "<w:body><w:p><w:r><w:t>infor</w:t>"
                                     "<w:softHyphen/><w:t>mation</w:t></w:r></w:p>")
    assert documents.read_document(df.docx(tmp_path / "u.docx", [], body=plain),
                                   documents.DOCX_TYPE).text == "information"


def test_a_txt_saved_in_vni_or_tcvn3_is_converted(tmp_path, workdir, options):
    vni = tmp_path / "vni.txt"
    vni.write_bytes(encode(VIETNAMESE["news-2"], VNI)[0].encode("latin-1"))
    steps = documents.process(vni, workdir, options, "text/plain")
    assert [s.step for s in steps] == ["probe", "encoding", "text"]
    assert steps[0].metadata["encoding"] == "VNI (VNI-Times)"
    assert steps[2].text == VIETNAMESE["news-2"]
    cp1258 = tmp_path / "cp.txt"
    cp1258.write_bytes(windows_1258(VIETNAMESE["news-2"]))
    steps = documents.process(cp1258, workdir, options, "text/plain")
    assert [s.step for s in steps] == ["probe", "text"] and steps[2 - 1].text == \
        VIETNAMESE["news-2"]


def test_a_pdf_text_layer_in_tcvn3_is_converted(tmp_path, workdir, options):
    pages = ["Báo cáo tài chính quý II năm 2026", "Trung tâm Văn hóa, Thông tin"]
    path = text_pdf(tmp_path / "bc.pdf", [encode(p, TCVN3)[0] for p in pages],
                    encoding="WinAnsiEncoding")
    steps = pdf.process(path, workdir, options)
    assert [s.step for s in steps][:3] == ["probe", "text", "encoding"]
    assert steps[1].text == "\f".join(pages)
    assert steps[2].message.startswith("text layer converted from TCVN3")


def test_manifests_in_tcvn3_bytes_or_cells_are_converted_and_said(tmp_path):
    (tmp_path / "a.mp3").write_bytes(b"x")
    rows = [["Tiêu đề", "Tệp", "Mô tả"],
            ["Bản tin tuyên truyền phòng chống bạo lực gia đình", "a.mp3",
             "Chương trình phát thanh của xã Đăk Kôi"]]
    text = "\r\n".join(",".join(r) for r in rows)
    (tmp_path / "ds.csv").write_bytes(legacy_bytes(text, TCVN3))
    manifest = read_manifest(tmp_path / "ds.csv")
    assert manifest.encoding == "tcvn3" and manifest.legacy == "tcvn3"
    assert manifest.rows[0].values["title"] == rows[1][0] and manifest.rows[0].legacy == "tcvn3"
    batch = plan_batch([tmp_path], tmp_path / "ds.csv")
    assert batch.rows[0].legacy == "tcvn3"
    assert [str(w) for w in batch.warnings] == [
        "ds.csv: text typed in TCVN3 (ABC, .VnTime) was converted to Unicode"]
    book = Workbook()
    for row in rows:
        book.active.append([encode(cell, VNI)[0] for cell in row])
    book.save(tmp_path / "ds.xlsx")
    manifest = read_manifest(tmp_path / "ds.xlsx")
    assert manifest.legacy == "vni" and manifest.rows[0].values["description"] == rows[1][2]
    with (tmp_path / "u.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert read_manifest(tmp_path / "u.csv").legacy == ""
