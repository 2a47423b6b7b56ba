"""A labelled set of texts for the legacy-encoding repair (ingest/legacy_text.py), shared
by its tests and benchmarks/legacy_text_bench.py.

Each :class:`Sample` is a text as Kho receives it, the encoding it is really in (None:
already Unicode) and the Unicode text it must become. The texts are what reaches a
communication office: administrative headers, news paragraphs, lists of names, place
names, each with and without diacritics; Unicode in NFC and in NFD (macOS, some PDF
text layers); Bahnar and Xơ Đăng; English, French, German and Spanish; and Vietnamese
whose letters are all Latin-1 (``Vì dân``, ``Tà Xùa``), which a legacy table would
happily misread.

Legacy forms come from two places: strings as they are met in old files, typed here
letter for letter (``LITERAL``: the TCVN3 and VNI of the issue, VISCII written by glibc
``iconv``), and every Unicode text of ``VIETNAMESE`` written in each encoding by
:func:`encode` (the inverse of the tables; TCVN3 has no tone-marked capitals, so
those are typed lower-case, as in a ``.VnTimeH`` heading).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Optional

from ingest.legacy_tables import TCVN3, VISCII, VNI, table


@dataclass(frozen=True)
class Sample:
    label: str
    text: str
    encoding: Optional[str]        # what the text is really in; None: Unicode
    expected: str                  # the Unicode (NFC) it must become

    @property
    def legacy(self) -> bool:
        return self.encoding is not None


VIETNAMESE = {
    "header": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
    "header-old-style": "Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc",
    "decision": ("ỦY BAN NHÂN DÂN TỈNH KON TUM\nSố: 125/QĐ-UBND\nKon Tum, ngày 15 tháng 3 "
                 "năm 2024\nQUYẾT ĐỊNH\nVề việc phê duyệt Kế hoạch tuyên truyền phổ biến "
                 "pháp luật năm 2024"),
    "report": ("Báo cáo tài chính quý II năm 2026 của Trung tâm Văn hóa, Thông tin và "
               "Thể thao huyện Sa Thầy."),
    "news": ("Sáng ngày 12/6, tại xã Đăk Tờ Kan, huyện Tu Mơ Rông, Đài Truyền thanh - "
             "Truyền hình huyện phối hợp với Ủy ban nhân dân xã tổ chức buổi tuyên truyền "
             "về phòng, chống bạo lực gia đình cho hơn 150 người dân là đồng bào dân tộc "
             "thiểu số. Tại buổi tuyên truyền, cán bộ đã giới thiệu những nội dung cơ bản "
             "của Luật Phòng, chống bạo lực gia đình năm 2022 và hướng dẫn người dân cách "
             "nhận biết, tố giác hành vi vi phạm."),
    "news-2": ("Thực hiện Kế hoạch số 45/KH-UBND, trong năm qua huyện đã xây dựng 24 chuyên "
               "mục phát thanh bằng tiếng Việt và tiếng dân tộc thiểu số, phát sóng trên hệ "
               "thống loa truyền thanh cơ sở của 86 thôn, làng."),
    "names": ("Nguyễn Văn An\nTrần Thị Bình\nLê Thị Thu Hà\nA Thút\nY Bơ Nưu\n"
              "Phạm Quốc Hưng\nĐinh Thị Hồng Nhung\nHoàng Văn Đức"),
    "names-short": "Nguyễn Văn An",
    "name-pair": "Lê Thị Hoa",
    "places": "Thành phố Kon Tum, huyện Đăk Hà, xã Ngọk Wang, thôn Kon Klor",
    "training": ("Hội nghị tập huấn nghiệp vụ thông tin cơ sở năm 2025 cho cán bộ văn hóa - "
                 "xã hội các xã, thị trấn. Thời gian: 02 ngày. Địa điểm: Hội trường Ủy ban "
                 "nhân dân huyện."),
    "signature": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Đức Tuy",
    "slogan": "Toàn dân đoàn kết xây dựng đời sống văn hóa ở khu dân cư",
    "children": ("Tuyên truyền Công ước của Liên hợp quốc về quyền trẻ em và Luật Trẻ em năm "
                 "2016; bảo vệ trẻ em khỏi xâm hại, bạo lực trên môi trường mạng."),
}
# written after the rules were tuned on the texts above, and run once: the honest figures
HELD_OUT = {
    "script": ("Kính thưa bà con! Đài truyền thanh xã xin thông báo: từ ngày 20 đến ngày "
               "25 tháng 7, Trạm Y tế xã tổ chức tiêm vắc xin cho trẻ em dưới 5 tuổi. Đề "
               "nghị các gia đình đưa con em đến đúng giờ."),
    "press": ("Chiều 3/9, Sở Thông tin và Truyền thông tổ chức họp báo cung cấp thông tin "
              "về tình hình kinh tế - xã hội tháng 8 và nhiệm vụ trọng tâm tháng 9 năm 2025."),
    "sheet-row": "1\tY Nhung\tHội Liên hiệp Phụ nữ xã Đăk Năng\tChi hội trưởng\tXơ Đăng\tNữ",
    "weather": "Dự báo thời tiết: ngày mai có mưa rào và dông rải rác, nhiệt độ từ 19 đến 27 độ.",
    "law": ("Điều 6. Các hành vi bị nghiêm cấm\n1. Tước đoạt quyền sống của trẻ em.\n2. Bỏ "
            "rơi, bỏ mặc, mua bán, bắt cóc, đánh tráo, chiếm đoạt trẻ em."),
    "title-caps": "BẢN TIN PHÁT THANH TIẾNG BA NA SỐ 12",
    "two-words": "Thôn Kon Hra",
    "caption": "Ảnh: Lễ mừng lúa mới của đồng bào Ba Na ở làng Kon Rơ Bàng",
}
HELD_OUT_UNICODE = {
    "held-latin1": "Cà phê Đà Lạt\nBà Rá\nPhú Yên, Tây Ninh, Cà Mau",
    "held-mixed-english": "Hội nghị (workshop) về Digital Transformation, ngày 5/6, Hà Nội",
    "held-french-names": "Trường Lê Quý Đôn – Lycée Albert Sarraut, Hà Nội, 1919–1965",
    "held-bahnar-2": "Đak kơ ƀơ̆t, 'nhŏng 'băl ăn kon hơ̆ch, tơ'ngla kơ pơlei pơla.",
}


# Vietnamese with every letter in Latin-1: a table would read most of them as other
# Vietnamese letters (Tà Xùa -> Tà Xựa): they must stay as they are
LATIN1_VIETNAMESE = {
    "latin1-places": "Cà Mau\nTà Xùa\nBà Nà\nCô Tô\nTây Ninh\nHà Tiên\nSa Pa\nPhú Yên",
    "latin1-phrase": "Vì dân, vì nước\nTình yêu quê hương",
    "latin1-names": "Lê Thu Hà\nVõ Thành Nhân\nLò Thị Mai\nMa Vì Hòa",
    "latin1-words": "Mùa xuân đã về trên quê hương, chào đón năm mới",
}
OTHER_LANGUAGES = {
    "bahnar": ("Tơdrong 'lơ̆ng kơ kon pơlei. Nơ̆r pơma ƀok kră tơƀăk mong, kmŏk pơlei "
               "Kon Klor hơ̆p ƀă."),
    "xo-dang": "Hdroh tơdrong ki ƀă ĕi tơ̆ng kơ ngế, mŏ ĭ ŭ rơ̆ng tung plây.",
    "english": ("The provincial radio will broadcast the programme on children's rights "
                "every Monday at 6 a.m.; résumé and café menus aside, naïve coöperation "
                "is welcome."),
    "french": ("Le bulletin « Santé et sécurité » sera diffusé à 18 h. Où est la "
               "brochure ? Voilà l'été, déjà ! Reçu, ça marche : crème brûlée à "
               "la française."),
    "german": "Die Größe der Städte für Bürger über achtzig Jahre: schön, Mädchen, Äpfel.",
    "spanish": "El señor José Muñoz está aquí con la niña; año nuevo, acción, pingüino.",
    "portuguese": "Não há ação sem razão; saúde, avó e maçã.",
    "ascii-vietnamese": "Cong hoa xa hoi chu nghia Viet Nam\nDoc lap - Tu do - Hanh phuc",
    "symbols": "Nhiệt độ 37°C ± 0,5; 3 × 4 = 12; 10 ÷ 2 = 5; © 2024 Đài TT-TH; µg/m³",
    "latin1-symbols": "Temperature 37°C ± 0.5; 3 × 4 = 12; 10 ÷ 2; © 2024 · µg/m³ ®",
}
# strings as they are met in old files, and what they say
LITERAL = [
    ("tcvn3-issue", TCVN3, "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
     "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("tcvn3-motto", TCVN3, "§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("tcvn3-name", TCVN3, "NguyÔn V¨n An", "Nguyễn Văn An"),
    ("tcvn3-name-2", TCVN3, "TrÇn ThÞ B×nh", "Trần Thị Bình"),
    ("tcvn3-report", TCVN3, "B¸o c¸o tµi chÝnh quý II n¨m 2026",
     "Báo cáo tài chính quý II năm 2026"),
    ("tcvn3-pdf", TCVN3, "Th«ng t\u2212 cña Bé Th«ng tin, nhµ n\u2212íc",
     "Thông tư của Bộ Thông tin, nhà nước"),
    ("tcvn3-capitals", TCVN3, "UBND TØNH KON TUM\nCéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM",
     "UBND TỉNH KON TUM\nCộNG HOà Xã HộI CHủ NGHĩA VIệT NAM"),
    ("vni-issue", VNI, "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
     "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("vni-motto", VNI, "Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("vni-name", VNI, "Nguyeãn Vaên An", "Nguyễn Văn An"),
    ("vni-place", VNI, "Ñaø Naüng, saün coù", "Đà Nẵng, sẵn có"),
    ("vni-capitals", VNI, "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM",
     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("viscii-issue", VISCII, "Cµng hòa xã hµi chü nghîa Vi®t Nam",
     "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("viscii-motto", VISCII, "Ðµc l§p - Tñ do - HÕnh phúc", "Độc lập - Tự do - Hạnh phúc"),
    ("viscii-name", VISCII, "Nguy\xadn V\xe5n An", "Nguyễn Văn An"),
    ("viscii-office", VISCII, "S\xb7 V\xe5n hóa, Th\xac thao và Du l\xb8ch t\xefnh Kon Tum",
     "Sở Văn hóa, Thể thao và Du lịch tỉnh Kon Tum"),
]


def _inverse(encoding: str) -> dict[str, str]:
    """Unicode letter -> the sequence ``encoding`` writes it with (the first one)."""
    out: dict[str, str] = {}
    for sequence, letter in table(encoding).items():
        if len(letter) == 1 and not ("\u2000" <= sequence <= "\u22ff"):
            out.setdefault(letter, sequence)
    return out


def encode(text: str, encoding: str) -> tuple[str, str]:
    """(``text`` as ``encoding`` writes it, the Unicode it converts back to): TCVN3 has
    no capitals with tones, so they are typed lower-case and come back so."""
    inverse = _inverse(encoding)
    written, back = [], []
    for char in unicodedata.normalize("NFC", text):
        if char in inverse:
            written.append(inverse[char])
            back.append(char)
        elif char.lower() in inverse and encoding == TCVN3:
            written.append(inverse[char.lower()])
            back.append(char.lower())
        else:
            written.append(char)
            back.append(char)
    return "".join(written), "".join(back)


def _mixed() -> list[Sample]:
    """A legacy file with Unicode lines pasted in: the Unicode lines stay as they are."""
    unicode_lines = LATIN1_VIETNAMESE["latin1-names"] + "\n" + VIETNAMESE["slogan"]
    out = []
    for encoding in (TCVN3, VNI, VISCII):
        legacy, back = encode(VIETNAMESE["news"], encoding)
        out.append(Sample(f"mixed-{encoding}", legacy + "\n" + unicode_lines, encoding,
                          back + "\n" + unicode_lines))
    return out


def samples() -> list[Sample]:
    """The whole labelled set (about 180 texts)."""
    out = [Sample(label, text, encoding, expected)
           for label, encoding, text, expected in LITERAL] + _mixed()
    for label, text in VIETNAMESE.items():
        for encoding in (TCVN3, VNI, VISCII):
            legacy, back = encode(text, encoding)
            if legacy != back:
                out.append(Sample(f"{encoding}-{label}", legacy, encoding, back))
        out.append(Sample(f"nfc-{label}", text, None, text))
        out.append(Sample(f"nfd-{label}", unicodedata.normalize("NFD", text), None,
                          unicodedata.normalize("NFD", text)))
        ascii_text = "".join(c for c in unicodedata.normalize("NFD", text)
                             if not unicodedata.combining(c)).replace("Đ", "D").replace("đ", "d")
        out.append(Sample(f"ascii-{label}", ascii_text, None, ascii_text))
    for label, text in HELD_OUT.items():
        for encoding in (TCVN3, VNI, VISCII):
            legacy, back = encode(text, encoding)
            if legacy != back:         # VISCII writes "Thôn Kon Hra" as Unicode does
                out.append(Sample(f"held-{encoding}-{label}", legacy, encoding, back))
        out.append(Sample(f"held-nfc-{label}", text, None, text))
        out.append(Sample(f"held-nfd-{label}", unicodedata.normalize("NFD", text), None,
                          unicodedata.normalize("NFD", text)))
    for label, text in {**LATIN1_VIETNAMESE, **OTHER_LANGUAGES, **HELD_OUT_UNICODE}.items():
        out.append(Sample(label, text, None, text))
        nfd = unicodedata.normalize("NFD", text)
        if nfd != text:
            out.append(Sample(f"nfd-{label}", nfd, None, nfd))
    return out
