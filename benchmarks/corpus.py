"""Deterministic synthetic catalogue for search benchmarks and the agreement test.

Records look like the Kon Rẫy plan's products: titles and descriptions made of
runs of consecutive words from real Vietnamese text (the district plan in
``shared/domain`` when present, plus text written for this generator), with
about a fifth of the words replaced by words drawn from the same text's
frequency distribution (Zipf-like, as natural text is), so phrases such as
"quyền trẻ em" survive and common words dominate. About 12 % of records are
ethnic-language products carrying Bahnar words (the breve letters ŏ ĕ ŭ ơ̆,
ƀ, the word-initial apostrophe of ``'lơ̆ng``) and Sedang (Xơ Đăng) place and
people names; some text arrives in NFD, some typed without diacritics, as
real uploads do. Every choice comes from ``random.Random(seed)``.

Sources of the Bahnar words: single words seen in Bahnar-language news of
VOV4 (Tây Nguyên, 2025); the Sedang material is limited to names used in the
plan and the commune list (Xơ Đăng, Đăk Tơ Lung, Đăk Tờ Re, Kon Braih).
"""
from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

PLAN = Path(__file__).resolve().parents[2] / "shared" / "domain" / "ke-hoach-kon-ray-2023-2028.txt"

# Written for this generator: how the district's products talk about their subject.
EXTRA_TEXT = """
Phóng sự phát thanh giới thiệu Công ước quyền trẻ em và trách nhiệm của gia đình, nhà trường
trong việc bảo vệ trẻ em ở vùng đồng bào dân tộc thiểu số. Đài truyền thanh xã phát lại chương
trình vào buổi sáng và buổi tối để bà con làm nương rẫy có thể nghe. Cán bộ văn hóa xã hướng dẫn
người dân tìm hiểu quyền bình đẳng giới, phòng chống bạo lực gia đình và xóa bỏ tảo hôn.
Video ghi lại hoạt động tuyên truyền lưu động tại thôn làng, nơi già làng và người có uy tín
nói chuyện với thanh niên về pháp luật, về quyền của người khuyết tật và người cao tuổi.
Tranh cổ động về quyền con người được treo ở nhà văn hóa thôn, trường học và trụ sở Ủy ban
nhân dân xã. Ảnh tư liệu chụp lễ hội mừng lúa mới, nhà rông, cồng chiêng của đồng bào Xơ Đăng
và Ba Na. Bản tin tiếng Ba Na và tiếng Xơ Đăng được biên dịch từ tiếng Việt, đọc trên loa
truyền thanh và đăng trên trang thông tin điện tử của huyện. Tài liệu tập huấn kỹ năng truyền
thông cho cán bộ cơ sở giải thích chính sách giảm nghèo bền vững, chăm sóc sức khỏe, nước sạch,
giáo dục và việc làm cho người dân vùng sâu vùng xa. Cuộc thi tìm hiểu pháp luật thu hút học sinh
các trường trung học cơ sở và phổ thông dân tộc nội trú tham gia. Bài viết trên mạng xã hội
phản bác thông tin sai lệch, xuyên tạc về tình hình tôn giáo, dân tộc và nhân quyền ở Việt Nam.
Chương trình phát thanh song ngữ giới thiệu gương điển hình trong phát triển kinh tế, giữ gìn
bản sắc văn hóa, bảo vệ rừng và môi trường. Hội Liên hiệp Phụ nữ, Đoàn Thanh niên và Hội Nông dân
phối hợp tổ chức sinh hoạt chuyên đề về quyền phụ nữ, quyền trẻ em, quyền được học tập.
"""

BAHNAR_WORDS = (
    "tơdrong 'lơ̆ng nơ̆r kon kông pơlei hơdrung kơdih vei răk chăl kmăi kmŏk tơblơ̆ lơ̆m hơrih "
    "gĭt kăl hloh 'noh 'năr ƀok ƀônh tơƀăk mong pơma tŏk bŏk chĕp jơ̆p tơring tơrang "
    "oei sa jang khoa hŏk kơsô̆ mơ̆ng đơ̆ng hăm dôm roi bơ̆n ĭnh apŭng dêh char"
).split()
SEDANG_NAMES = ("Xơ Đăng", "Đăk Tơ Lung", "Đăk Tờ Re", "Kon Braih", "Đăk Kôi", "Đăk Rve", "Đăk Pne")

KINDS = ("radio_feature", "video", "poster", "photo", "publication", "multimedia",
         "web_article", "social_post", "contest_entry", "training_material")
KIND_TITLES = {"radio_feature": "Phóng sự", "video": "Video", "poster": "Tranh cổ động",
               "photo": "Ảnh tư liệu", "publication": "Tài liệu", "multimedia": "Ấn phẩm",
               "web_article": "Bài viết", "social_post": "Tin", "contest_entry": "Bài dự thi",
               "training_material": "Tập huấn"}
THEMES = ("international_law", "party_state_policy", "achievements", "abuse_cases", "foreign_affairs")
CONVENTIONS = ("ICCPR", "ICESCR", "CEDAW", "ICERD", "CRC", "CRPD", "CAT")
PLAN_TASKS = ("1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7",
              "4.1", "4.2", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2")
UNITS = ("Phòng Văn hóa và Thông tin", "Trung tâm VH-TT-DL&TT", "Công an huyện",
         "Phòng GD&ĐT", "Văn phòng HĐND-UBND", "Hội Liên hiệp Phụ nữ")
COMMUNES = ("Thị trấn Đăk Rve", "Xã Đăk Pne", "Xã Đăk Kôi", "Xã Đăk Tơ Lung", "Xã Đăk Ruồng",
            "Xã Đăk Tờ Re", "Xã Tân Lập")
CHANNELS = ("district_radio", "commune_radio", "website", "social_media", "mobile_propaganda",
            "exhibition", "school", "organisation_meeting")
DIGITAL_CHANNELS = {"website", "social_media"}
STATUSES = ("published", "published", "published", "draft", "archived")


def source_words(use_plan: bool = True) -> list[str]:
    """Running text as a list of words (plan first when available)."""
    from search_index.analysis import iter_words  # the same word splitting as the index
    text = EXTRA_TEXT
    if use_plan and PLAN.exists():
        text = PLAN.read_text(encoding="utf-8").replace("<i>", " ").replace("</i>", " ") + text
    return [w for _, _, w in iter_words(text) if not w.isdigit()]


class RecordSource:
    """What the benchmark generators share; each sets ``rng`` and writes ``product(pid)``."""

    rng: random.Random

    def products(self, count: int, start_id: int = 1):
        for pid in range(start_id, start_id + count):
            yield self.product(pid)  # type: ignore[attr-defined]  (each generator's own)

    def _kind(self) -> str:
        """A kind, the commoner ones (radio features, videos) far more often."""
        return KINDS[min(int(self.rng.paretovariate(1.2)) - 1, len(KINDS) - 1)]

    def _garble(self, text: str) -> str:
        """Arrive as real uploads do: sometimes (5 %) NFD, sometimes (5 %) without diacritics."""
        roll = self.rng.random()
        if roll < 0.05:
            return unicodedata.normalize("NFD", text)
        if roll < 0.10:
            from archive.text import fold
            return fold(text)
        return text


class CorpusGenerator(RecordSource):
    """Seeded generator of product records and matching query sets."""

    def __init__(self, seed: int = 20231, use_plan: bool = True) -> None:
        self.rng = random.Random(seed)
        self.words = source_words(use_plan)
        counts: dict[str, int] = {}
        for w in self.words:
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
        self.vocab = sorted(counts, key=lambda w: (-counts[w], w))
        self._cum = list(accumulate(counts[w] for w in self.vocab))

    # -- text ------------------------------------------------------------
    def zipf_word(self) -> str:
        return self.vocab[bisect(self._cum, self.rng.random() * self._cum[-1])]

    def span(self, lo: int, hi: int, noise: float = 0.2) -> str:
        n = self.rng.randint(lo, hi)
        start = self.rng.randrange(0, len(self.words) - n)
        out = [self.zipf_word() if self.rng.random() < noise else w for w in self.words[start:start + n]]
        return " ".join(out)

    def sentences(self, count: int, lo: int = 6, hi: int = 18) -> str:
        return ". ".join(self.span(lo, hi).capitalize() for _ in range(count)) + "."

    def bahnar(self, n: int) -> str:
        return " ".join(self.rng.choice(BAHNAR_WORDS) for _ in range(n))

    # -- records ---------------------------------------------------------
    def product(self, pid: int):
        from search_index.records import IndexedProduct
        rng = self.rng
        kind = self._kind()
        ethnic = rng.random() < 0.12
        languages = ["vie"] + ([rng.choice(("bdq", "sed"))] if ethnic else [])
        title = f"{KIND_TITLES[kind]}: {self.span(3, 8, noise=0.1)}"
        if rng.random() < 0.3:
            title += f" ở {rng.choice(COMMUNES)}"
        description = self.sentences(rng.randint(1, 4))
        if ethnic:
            title += " " + self.bahnar(2)
            description += " " + self.bahnar(rng.randint(6, 20)) + " " + rng.choice(SEDANG_NAMES)
        text = self.sentences(rng.randint(3, 20)) if kind in ("publication", "radio_feature", "training_material") else ""
        channels = rng.sample(CHANNELS, rng.randint(1, 3))
        year = rng.randint(2023, 2028)
        produced = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        return IndexedProduct(
            id=pid, title=self._garble(title), description=self._garble(description),
            tags=[self.zipf_word() for _ in range(rng.randint(0, 4))], text=self._garble(text),
            filenames=[f"{self.span(2, 4, noise=0).replace(' ', '_')}.{rng.choice(('mp3', 'mp4', 'pdf', 'jpg'))}"],
            kind=kind, languages=languages, themes=rng.sample(THEMES, rng.randint(1, 2)),
            conventions=rng.sample(CONVENTIONS, rng.randint(0, 2)), plan_task=rng.choice(PLAN_TASKS),
            lead_unit=rng.choice(UNITS), communes=rng.sample(COMMUNES, rng.randint(1, 2)),
            channels=channels, year=year, produced_on=produced,
            status=rng.choice(STATUSES), digital_platform=bool(DIGITAL_CHANNELS & set(channels)),
            ethnic_language=ethnic,
            access_tokens=[] if rng.random() < 0.03 else ["level:public"],   # 3 % closed
            updated_at=datetime(year, 1, 1) + timedelta(seconds=rng.randrange(365 * 86400)),
        )

    # -- queries ---------------------------------------------------------
    def query_texts(self, kind: str, count: int) -> list[str]:
        """Queries of one type: one_word, two_words, three_words, unaccented, phrase
        (2-3 words), long_phrase (4-6 words)."""
        from archive.text import fold
        out = []
        for _ in range(count):
            if kind == "one_word":
                out.append(self.rng.choice(self.vocab[:400]))
            elif kind == "two_words":
                out.append(self.span(2, 2, noise=0).lower())
            elif kind == "three_words":
                out.append(self.span(3, 3, noise=0).lower())
            elif kind == "unaccented":
                out.append(fold(self.span(3, 3, noise=0)))
            elif kind == "phrase":
                out.append('"' + self.span(2, 3, noise=0).lower() + '"')
            elif kind == "long_phrase":
                out.append('"' + self.span(4, 6, noise=0).lower() + '"')
            else:
                raise ValueError(f"unknown query kind {kind!r}")
        return out
