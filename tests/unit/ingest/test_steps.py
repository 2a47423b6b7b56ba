"""The dispatcher: options, categories without steps, re-runs."""
from __future__ import annotations

import zipfile

from ingest.detect import detect
from ingest.steps import OUTPUT_NAMES, process


def test_unknown_content_without_steps_is_skipped_not_failed(tmp_path, workdir, options):
    archive = tmp_path / "tai-lieu.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bien-ban.txt", "Biên bản họp")
    results = process(archive, detect(archive, archive.name), workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "skipped")]
    assert "application/zip" in results[0].message


def test_a_text_document_is_read_not_skipped(tmp_path, workdir, options):
    notes = tmp_path / "bien-ban.txt"
    notes.write_text("Biên bản họp", encoding="utf-8")
    results = process(notes, detect(notes, notes.name), workdir, options)
    assert [(r.step, r.outcome) for r in results] == [("probe", "ok"), ("text", "ok")]
    assert results[1].text == "Biên bản họp"


def test_output_names_are_fixed_and_cleared_before_a_run(tmp_path, workdir, options):
    for name in OUTPUT_NAMES:
        (workdir / name).write_bytes(b"stale")
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as z:
        z.writestr("x.txt", "x")
    process(notes, detect(notes, notes.name), workdir, options)
    assert list(workdir.iterdir()) == []
