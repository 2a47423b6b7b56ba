"""XML text written by hand: the fast path (a value nothing in which would change is
handed back as it is) writes exactly what the full escaping writes, for Vietnamese,
ethnic-language orthographies, markup characters, line breaks and the control
characters XML cannot carry."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st
from lxml import etree

from app.services.records import xml_text

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text_in_full(value: object) -> str:
    """The writer as it was before the fast path: every step on every value."""
    return (_NOT_XML.sub("", str(value)).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def attr_in_full(value: object) -> str:
    return (text_in_full(value).replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\r", "&#13;").replace("\t", "&#9;"))


SAMPLES = [
    "", "Quyền trẻ em", "Xã Đăk Rve (23479)", "Trung tâm VH-TT&DL-TT Kon Rẫy",
    "Bahnar: Tơdrong hnam ƀôk kră", "Xơ Đăng: Tơdrá, 'Hmâu ngế", "Ê Đê: Klei hriê ƀuôn sang",
    "Ka tu: Zr'lang", "<script>alert('x')</script>", 'nói "không" & <b>', "a\tb\nc\rd",
    "tiêu đề\x0bdán từ Word\x00", "\ufffe\uffff", "\ud800lẻ", "😀 biểu tượng", "]]>",
    "&amp; đã thoát", 2027, None, 3.5,
]


def test_known_values_are_written_as_the_full_escaping_writes_them():
    for value in SAMPLES:
        assert xml_text.text(value) == text_in_full(value), value
        assert xml_text.attr(value) == attr_in_full(value), value
    # what a reader of the document gets back: the text, less what XML cannot carry
    title = "Bahnar & Xơ Đăng <tiếng dân tộc>\x0b"
    doc = etree.fromstring(xml_text.element("t", title, lang="vi", note='a "b"\nc').encode())
    assert doc.text == "Bahnar & Xơ Đăng <tiếng dân tộc>" and doc.get("note") == 'a "b"\nc'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(
    st.sampled_from(list("&<>\"'\t\n\r\x00\x0b\x1f\ufffe\uffffĐđăâêôơưƀŏŭ ")),
    st.characters())))
def test_any_text_is_written_as_the_full_escaping_writes_it(value):
    assert xml_text.text(value) == text_in_full(value)
    assert xml_text.attr(value) == attr_in_full(value)


def test_a_value_that_needs_nothing_is_the_same_string():
    title = "Chương trình phát thanh tiếng Xơ Đăng"
    assert xml_text.text(title) is title and xml_text.attr(title) is title
