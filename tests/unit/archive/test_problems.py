"""Processing problems read in the reader's language with what to do, from a code and
values (archive/problems.py), and ingest names the right code for what a tool said."""
from __future__ import annotations

import unicodedata

import pytest

from app.i18n import gettext_for
from archive.problems import GENERIC, PROBLEMS, for_category, json_params, problem_message
from ingest.media import failure_problem

VI, EN = gettext_for("vi"), gettext_for("en")
VALUES = {"tool": "ffmpeg", "seconds": "3600", "limit": 180_000_000, "languages": "vie"}
# words a Vietnamese remedy is made of ("hãy …" = please do …, "báo" = tell)
REMEDY_VI = ("hãy", "báo quản trị viên")


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_problem_reads_in_vietnamese_and_english_with_what_to_do(code):
    message = problem_message(code, VALUES)
    vi, en = message.render(VI), message.render(EN)
    assert vi != en and vi == unicodedata.normalize("NFC", vi)
    assert "%(" not in vi and "%(" not in en                  # every value filled
    assert " — " in vi and " — " in en                        # what happened — what to do
    assert any(word in vi.split(" — ", 1)[1] for word in REMEDY_VI), vi
    assert "/" not in vi.replace(".docx, .odt", "")           # no paths, no file layout


@pytest.mark.parametrize("code,vi", [
    ("video.truncated", "Tệp video bị cắt cụt — hãy tải lên lại bản gốc."),
    ("pdf.encrypted", "Tệp PDF được khoá bằng mật khẩu — hãy lưu lại không có mật khẩu rồi "
                      "tải lên."),
    ("image.bomb", "Ảnh quá lớn: hơn 180.000.000 điểm ảnh — hãy lưu lại với kích thước nhỏ "
                   "hơn rồi tải lên."),
    ("tool.timeout", "Việc xử lý kéo dài quá 3600 giây nên đã bị dừng — hãy bấm Thử lại; nếu "
                     "còn lặp lại, hãy báo quản trị viên."),
])
def test_known_sentences(code, vi):
    assert problem_message(code, VALUES).render(VI) == vi


def test_numbers_take_the_readers_separator():
    message = problem_message("image.bomb", {"limit": 180_000_000})
    assert "180.000.000" in message.render(VI) and "180,000,000" in message.render(EN)


def test_an_unknown_code_reads_as_the_generic_problem():
    assert problem_message("video.from-the-future", {}).render(VI) == \
        problem_message(GENERIC).render(VI)
    assert "Thử lại" in problem_message(GENERIC).render(VI)


def test_media_codes_are_named_for_the_files_medium():
    assert for_category("media.truncated", "video") == "video.truncated"
    assert for_category("media.truncated", "audio") == "audio.truncated"
    assert for_category("media.no_streams", "video") == "media.no_streams"   # no such code
    assert for_category("media.truncated", "other") == "media.truncated"
    assert for_category("pdf.corrupt", "video") == "pdf.corrupt"


@pytest.mark.parametrize("tool,said,code", [
    ("ffprobe", "[mov,mp4] moov atom not found\nban-tin.mp4: Invalid data found", "media.truncated"),
    ("ffmpeg", "Error while decoding: partial file", "media.truncated"),
    ("ffprobe", "tin.mp3: Invalid data found when processing input", "media.unreadable"),
    ("ffprobe", "something else entirely", "media.unreadable"),
    ("ffmpeg", "Conversion failed!", "tool.failed"),
    ("/usr/bin/tesseract", "Error: cannot open input", "tool.failed"),
])
def test_what_a_tool_said_gives_the_problem(tool, said, code):
    assert failure_problem(tool, said) == code


def test_values_are_kept_as_json():
    from archive.errors import Quantity

    assert json_params({"limit": Quantity(5), "file": "a.png", "flag": True, "x": 1.5}) == \
        {"limit": 5, "file": "a.png", "x": "1.5"}


def test_a_manifest_file_over_the_limit_reads_in_human_units(tmp_path):
    """``kho ingest``: the per-file limit in the row's message is "tối đa 1 kB", not a
    count of bytes."""
    from app.bootstrap import Kho
    from app.i18n import gettext_for
    from app.services.files import bulk_ingest
    from app.services.instance.setup import init_instance
    from archive.errors import render_message
    from tests.conftest import make_settings

    runtime = Kho(make_settings(tmp_path / "i", max_upload_bytes=1024))
    init_instance(runtime)
    try:
        from app.services.access import accounts

        accounts.add_user(runtime, "quantri", "admin", "12345678")
        lot = tmp_path / "lô"
        lot.mkdir()
        (lot / "dai.wav").write_bytes(b"R" * 5000)
        (lot / "ds.csv").write_text("Tiêu đề,Tệp\nPhóng sự dài,dai.wav\n", encoding="utf-8")
        batch = bulk_ingest.prepare([lot], lot / "ds.csv", skip=bulk_ingest.kho_folders(runtime))
        result = bulk_ingest.run(runtime, bulk_ingest.ingest_actor(runtime), batch)
        said = render_message(result.rows[0].message, gettext_for("vi"))
        assert "tệp 'dai.wav' quá lớn: tối đa 1 kB mỗi tệp" in said, said
        assert "1024" not in said and "1.024" not in said
    finally:
        runtime.close()


def test_a_backup_bag_carries_a_failed_files_problem_to_the_restored_archive(tmp_path):
    """Export as BagIt, import elsewhere: the code, its values and the tool output come
    back as they were (a bag from before codes reads as the generic problem)."""
    import io

    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.exports import packages
    from app.services.imports import catalogue_import
    from app.services.processing import pipeline
    from app.services.catalogue import products
    from app.services.access.actors import Actor
    from app.services.imports.rows import _problem
    from app.services.instance.setup import init_instance
    from app.services.files.intake import receive
    from archive.models import File
    from tests.conftest import make_settings

    source, target = (Kho(make_settings(tmp_path / name)) for name in ("a", "b"))
    try:
        for runtime in (source, target):
            init_instance(runtime)
        accounts.add_user(source, "sx", "producer", "12345678")
        producer = Actor(1, "sx", "producer")
        pid = products.create_product(source, producer, {"title": "Tranh", "kind": "poster"})
        got = receive(source, producer, pid, io.BytesIO(b"\x89PNG" + b"h" * 600), "hong.png",
                      queue=False)
        with source.transaction() as s:
            f = s.get(File, got.file_id)
            f.status, f.problem, f.problem_params = "failed", "image.bomb", {"limit": 5}
            f.error_detail = "probe: image hong.png has 9 pixels"
            pipeline.product_status(f.product)
        packages.export(source, packages.OPERATOR_ACTOR, packages.ExportRequest(
            format="bagit", out=tmp_path / "bag", scope="all"))
        catalogue_import.import_bag(target, packages.OPERATOR_ACTOR, tmp_path / "bag")
        with target.transaction() as s:
            back = s.get(File, got.file_id)
            assert (back.status, back.problem, back.problem_params, back.error_detail) == \
                ("failed", "image.bomb", {"limit": 5}, "probe: image hong.png has 9 pixels")
    finally:
        source.close()
        target.close()
    assert _problem({"error": "probe: ffprobe failed", "error_detail": "tail"}) == \
        {"problem": GENERIC, "problem_params": {}, "error_detail": "probe: ffprobe failed\ntail"}


def test_text_documents_get_their_own_problems(tmp_path):
    """A zip bomb dressed as .docx is "too large to read safely", a damaged one
    "damaged or not the kind its name says" — each with what to do."""
    from ingest.documents import process
    from ingest.results import ProcessingOptions
    from tests.unit.ingest import document_factory as df

    bomb = df.zip_bomb_docx(tmp_path / "bom.docx", 70)
    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    codes = {}
    for path in (bomb, broken):
        steps = process(path, tmp_path / f"out-{path.stem}", ProcessingOptions(),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml"
                        ".document")
        codes[path.name] = [s.problem for s in steps if s.outcome == "failed"]
    assert codes == {"bom.docx": ["document.too_large"], "hong.docx": ["document.unreadable"]}
    assert "quá lớn để đọc an toàn" in problem_message("document.too_large").render(VI)


@pytest.mark.parametrize("code,helps", [
    ("tool.timeout", True), ("storage.unavailable", True), ("processing.stopped", True),
    (GENERIC, True), ("", True), ("some.code.of.a.later.version", True),
    ("video.truncated", False), ("audio.unreadable", False), ("pdf.encrypted", False),
    ("image.bomb", False), ("tool.failed", False),
])
def test_a_retry_is_offered_only_where_it_can_help(code, helps):
    from archive.problems import retry_helps

    assert retry_helps(code) is helps


def test_every_problem_whose_remedy_is_retry_is_one_a_retry_helps():
    from archive.problems import retry_helps

    for code, template in PROBLEMS.items():
        assert ("press Retry" in template) == retry_helps(code), code
