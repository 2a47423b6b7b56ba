"""Caption files read: WebVTT as it is, SRT converted, and every problem named by its
line — not WebVTT, broken timings, cues out of order or past the media's end, text
that is not UTF-8 (a legacy Vietnamese encoding) or not text at all."""
from __future__ import annotations

import pytest

from ingest import captions
from ingest.captions import CaptionProblems, read_captions


def problems_of(data: bytes, name: str = "a.vtt", **kw) -> list[tuple[int, str]]:
    with pytest.raises(CaptionProblems) as caught:
        read_captions(data, name, **kw)
    return [(p.line, p.code) for p in caught.value.problems]


def test_webvtt_cues_header_and_tags():
    data = """\ufeffWEBVTT - Bản tin
Language: vi-VN
Kind: Transcript

NOTE made by hand

cue-1
00:00:01.000 --> 00:00:04.000 align:start
<v Phát thanh viên>Xin chào <b>bà con</b>

1:02:03.5 --> 1:02:04.250
giờ thứ nhất
""".encode()
    got = read_captions(data, "ban-tin.vtt")
    assert got.format == "vtt" and got.encoding == "utf-8"
    assert (got.language, got.kind) == ("vi-vn", "transcript")
    assert [(c.start_ms, c.end_ms, c.text, c.line) for c in got.cues] == [
        (1000, 4000, "Xin chào bà con", 8), (3723500, 3724250, "giờ thứ nhất", 11)]
    assert got.webvtt.startswith("WEBVTT - Bản tin")          # loaded as it came


def test_srt_is_converted_with_crlf_and_blank_lines_with_spaces():
    data = (b"1\r\n00:00:01,000 --> 00:00:02,500\r\nD\xc3\xb2ng m\xe1\xbb\x99t\r\n  \r\n"
            b"2\r\n00:00:03,000 --> 00:00:04,000\r\nhai\r\n")
    got = read_captions(data, "x.SRT")
    assert got.format == "srt" and [c.line for c in got.cues] == [2, 6]
    assert got.webvtt.startswith("WEBVTT") and "00:00:01.000 --> 00:00:02.500" in got.webvtt


def test_utf16_with_its_mark_is_read():
    data = "1\n00:00:01,000 --> 00:00:02,000\nQuyền\n".encode("utf-16")
    assert read_captions(data, "a.srt").cues[0].text == "Quyền"


def test_each_problem_is_named_by_its_line():
    data = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
ok

00:00:05.000 -> 00:00:07.500
arrow

00:00:09.000 --> 00:00:08.000
backwards

00:00:03.000 --> 00:00:04.000
out of order

00:00:10.000 --> 00:61:04.000
bad minutes
text
00:00:20.000 --> 00:00:21.000

just text, no timing
"""
    assert problems_of(data) == [(6, "bad_timing"), (9, "ends_before_start"),
                                 (12, "out_of_order"), (15, "bad_time"),
                                 (18, "timing_in_text"), (20, "no_timing")]


def test_the_message_names_lines_in_the_readers_language_and_counts_the_rest():
    data = b"WEBVTT\n\n" + b"".join(b"00:00:0%d.000 --> 00:00:00.000\nx\n\n" % (i + 1)
                                    for i in range(9)) * 2
    with pytest.raises(CaptionProblems) as caught:
        read_captions(data, "many.vtt")
    error = caught.value
    assert len(error.problems) > captions.SHOWN_PROBLEMS
    assert "and %d more problems" % (len(error.problems) - captions.SHOWN_PROBLEMS) \
        in error.message
    vietnamese = {"line %(line)s: the cue must end after it starts: it starts at %(start)s "
                  "and ends at %(end)s": "dòng %(line)s: sai",
                  "%(file)s cannot be used as captions: %(problems)s": "%(file)s: %(problems)s"}
    assert error.render(lambda t: vietnamese.get(t, t)).startswith("many.vtt: dòng 3: sai")


def test_not_webvtt_and_no_cues():
    assert problems_of(b"<html>nope</html>\n") == [(1, "not_webvtt")]
    assert problems_of(b"WEBVTTX\n") == [(1, "not_webvtt")]
    assert problems_of(b"WEBVTT\n\nNOTE only a comment\n") == [(1, "no_cues")]
    assert problems_of(b"hello\n", "a.srt") == [(1, "no_timing")]


def test_legacy_bytes_are_refused_by_line_unless_a_converter_reads_them():
    tcvn3 = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nC\xe9ng ho\xb5\n\n" \
            b"00:00:03.000 --> 00:00:04.000\nok\n\n00:00:05.000 --> 00:00:06.000\nx\xb7 h\xe9i\n"
    assert problems_of(tcvn3) == [(4, "encoding"), (10, "encoding")]
    converted = read_captions(tcvn3, "a.vtt", legacy=lambda data: (
        data.decode("latin-1").replace("C\xe9ng ho\xb5", "Cộng hoà")
        .replace("x\xb7 h\xe9i", "xã hội"), "tcvn3"))
    assert converted.encoding == "tcvn3" and converted.cues[0].text == "Cộng hoà"


def test_a_tcvn3_caption_file_is_read_as_vietnamese_by_the_legacy_converter():
    said = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nCéng hoµ x· héi chñ nghÜa ViÖt Nam\n\n"
            "00:00:05.000 --> 00:00:08.000\n§éc lËp - Tù do - H¹nh phóc\n")
    tcvn3 = said.encode("latin-1")                     # the bytes a .VnTime document saved
    read = read_captions(tcvn3, "ban-tin.vtt", legacy=captions.legacy_converter())
    assert read.encoding == "tcvn3"
    assert [c.text for c in read.cues] == ["Cộng hoà xã hội chủ nghĩa Việt Nam",
                                           "Độc lập - Tự do - Hạnh phúc"]
    # bytes no converter recognises are still refused by line
    assert problems_of(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\xff\xfe\xfd\n") \
        == [(4, "encoding")]


def test_binary_is_not_text():
    assert problems_of(b"WEBVTT\n\n\x00\x01\x02") == [(3, "not_text")]


def test_cues_past_the_end_of_the_media():
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\n\n00:00:09.000 --> 00:00:12.500\nb\n"
    assert read_captions(data, "a.vtt", duration_ms=12_000).end_ms == 12_500   # tolerance
    assert problems_of(data, duration_ms=10_000) == [(6, "past_the_end")]
    stored = captions.as_stored(captions.past_the_end(
        read_captions(data, "a.vtt").cues, 10_000)[0])
    assert stored == {"line": 6, "code": "past_the_end",
                      "params": {"end": "00:00:12.500", "duration": "00:00:10.000"}}
    assert str(captions.stored_problem(stored)).startswith("line 6: the cue ends at 00:00:12.500")


def test_format_and_clock():
    assert captions.format_of("A.VTT") == "vtt" and captions.format_of("b.srt") == "srt"
    assert captions.format_of("c.txt") is None
    assert captions.clock(3_723_004) == "01:02:03.004"
