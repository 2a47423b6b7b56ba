"""The ffmpeg wrapper: timeouts, error tails, versions."""
from __future__ import annotations

import pytest

from archive.errors import ProcessingError
from ingest import media


def test_long_ffmpeg_job_is_killed_at_the_timeout(tmp_path):
    target = tmp_path / "long.mp4"
    with pytest.raises(ProcessingError, match=r"ffmpeg timed out after 0.5 s"):
        media.convert("testsrc2=size=1280x720:duration=3600", target, timeout=0.5,
                      input_args={"f": "lavfi"}, output_args={"c:v": "libx264"})


def test_failure_keeps_the_tools_stderr_tail(tmp_path):
    missing = tmp_path / "khong-co.mp4"
    with pytest.raises(ProcessingError) as caught:
        media.probe(missing, 30)
    assert "No such file or directory" in caught.value.detail
    assert "No such file or directory" in caught.value.message


def test_stderr_tail_is_bounded_to_the_last_2_kb():
    noisy = ("x" * 5000 + "the real error").encode()
    tail = media.stderr_tail(noisy)
    assert len(tail) <= 2048 and tail.endswith("the real error")


def test_ffmpeg_version_is_parsed():
    assert media.tool_version()[0].isdigit()

