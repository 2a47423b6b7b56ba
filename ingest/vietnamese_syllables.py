"""Is a word a well-formed Vietnamese syllable? The test that tells repaired legacy text
from text a legacy table would spoil (:mod:`ingest.legacy_text`).

A Vietnamese word is one syllable: an optional initial consonant, a rhyme from a closed
list of about 150, and at most one tone mark, which sits on a vowel the rules allow.
Mojibake almost never passes: ``héi`` (TCVN3 for *hội*) has no rhyme ``ei``, ``Vaên``
(VNI for *Văn*) no rhyme ``aên``, and ``xaõ`` (VNI for *xã*) puts the tone on the wrong
vowel of ``ao``. Spelling rules are checked where they hold for every native word:

- a rhyme ending in ``c ch p t`` takes only the acute or the dot-below tone (*các*, *một*,
  never *càc*);
- ``c`` and ``ng`` are not written before ``e ê i y`` nor ``g`` before ``e ê``, ``gh`` and
  ``ngh`` only there, and ``q`` only as ``qu`` (``k`` is allowed anywhere: *Kon Tum*, *Ka Long*).

Tone placement accepts both the old and the new convention (*hoà* / *hòa*, *thuỷ* /
*thủy*): the tone goes on the vowel with a shape mark (ă â ê ô ơ ư) if there is one,
else on the last vowel before a final consonant, else on the first vowel of an open
pair (*mía*, *tài*) — on either vowel of ``oa oe uy`` — and on the middle of three
(*ngoài*, *khuỷu*).

Words of other languages (English, French, Bahnar ``ƀ ŏ ĕ``) are simply not
syllables: the caller decides what that means.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
TONES = frozenset((_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT))
_STOP_TONES = frozenset((_ACUTE, _DOT))        # the only tones of a rhyme ending c ch p t
VOWELS = frozenset("aăâeêioôơuưy")
_SHAPED = frozenset("ăâêôơư")
LETTERS = VOWELS | frozenset("bcdđghklmnpqrstvx")
INITIALS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
            "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_STOPS = ("ch", "c", "p", "t")
RHYMES = frozenset("""
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
o oc om on ong op ot oi ooc oong
oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
oe oen oeo oet
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uc ui um un ung up ut
uân uâng uât uây uê uêch uênh uơ
uy uya uych uyên uyêt uynh uyt uyu
uôc uôi uôm uôn uông uôt
ư ưa ưc ưi ưm ưn ưng ưt ưu
ươc ươi ươm ươn ương ươp ươt ươu
y ynh yt yêm yên yêt yêu
ak ăk âk ek êk ik ok ôk ơk uk ưk
""".split())                                   # the last line: Đăk, Ngọk, Pô Kô (Central Highlands)
# about 400 of the commonest syllables of news, administrative papers and names: a
# conversion that yields them is likelier right than one yielding rare ones (Lê Thị,
# not Lế Thỡ)
COMMON = frozenset("""
và của có là các trong được cho không người những với một này đã để năm về ngày nhân
dân việt nam thị văn thành công hội tỉnh huyện xã đến từ khi theo cũng như đồng tại trên
nhiều sẽ phải đi ra lại làm vào sau nhà nước hiện tổ chức quyền trẻ em gia đình tuyên
truyền thông tin học sinh quốc bộ ban ủy uỷ chủ tịch phó số quyết định kế hoạch báo cáo thực
phát triển xây dựng kinh tế hóa hoá chính trị an ninh đảng cộng hòa hoà độc lập tự do hạnh
phúc trung tâm thể thao du lịch sở phòng cơ quan đơn vị cán giáo dục y bảo vệ môi trường
đất đai nông nghiệp lao động việc luật pháp thi hành hướng dẫn tham tổng kết đánh giá chỉ
đạo thời gian địa điểm nội dung tài liệu hoạt tháng tuần giờ mới cũ lớn nhỏ cao thấp tốt
đẹp nhất hơn rất đang vẫn còn mà nhưng nếu vì nên thì hay hoặc bởi đó đây ấy nào gì sao
bao nhiêu mình chúng ta tôi bạn anh chị ông bà cô chú bác con cháu trai gái mẹ cha hai ba
bốn sáu bảy tám chín mười trăm nghìn triệu tỷ phần đầu cuối giữa trước ngoài dưới cùng
mỗi tất cả toàn bản thân tộc thiểu miền núi vùng sâu xa khó khăn hỗ trợ chương trình mục
tiêu nhiệm vụ giải tăng cường nâng chất lượng hiệu quả tiếp tục khai qua điều kiện sản
xuất thu nhập nghèo hộ thôn làng bào điện đường lớp sức khỏe khoẻ bệnh viện trạm phương
tiện thanh hình ảnh tiếng nói viết đọc nghe nhìn biết hiểu thấy muốn cần nhận trao đổi sử
dụng quản lý ý kiến vấn đề tình kết đạt yêu cầu chí lựa chọn ngành cấp nhóm đội hợp tác
liên hiệp nghị thông tư khoản phụ lục kèm gửi nơi lưu trấn phố thủ đô hà nội minh sóng
loa buổi nhằm nâng chuyên đài phóng viên tin tức bài báo ngành kỳ đợt lần vụ bước
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương đinh đoàn lương trịnh
mai tô lâm hữu đức hồng hương lan hoa hải hùng dũng tuấn long hưng quang thắng bình
hạnh nga linh trang hiền thảo nhung ngọc yến loan tâm thúy thuý
""".split())
_EITHER = frozenset(("oa", "oe", "uy"))        # hoà / hòa, hoè / hòe, thuỷ / thủy
_FRONT = frozenset("eêiy")


_WRITTEN = frozenset("abcdefghijklmnopqrstuvwxyzàáâãèéêìíòóôõùúý")


@lru_cache(maxsize=1)
def _letter_pairs() -> frozenset[str]:
    """Every two adjacent letters (one of them not ASCII) some syllable holds, lower case:
    built once from the rhymes, initials and tones (about 20,000 syllables)."""
    pairs = set()
    for initial in INITIALS:
        for rhyme in RHYMES:
            for place in _tone_places(rhyme) | {-1}:
                for tone in TONES if place >= 0 else ("",):
                    word = initial + "".join(
                        unicodedata.normalize("NFC", letter + tone) if index == place
                        else letter for index, letter in enumerate(rhyme))
                    pairs.update(word[i:i + 2] for i in range(len(word) - 1)
                                 if not word[i:i + 2].isascii())
    return frozenset(pairs)


@lru_cache(maxsize=65_536)
def unlike_vietnamese(word: str) -> bool:
    """True when ``word`` holds a Latin-1 letter or sign Vietnamese never writes (``§ ¨
    ë Ñ``), or two letters side by side, one with a mark, that no syllable holds (``oâ``,
    ``aø``): what legacy text looks like even where it reads as no word at all (VNI
    ``Y Bloâng`` for *Y Blông*). ``Y Blông``, ``Noël``? The first is False, the second
    True. Words with letters above U+00FF are not judged (False)."""
    text = unicodedata.normalize("NFC", word).lower()
    if any(ord(c) > 0xFF for c in text):
        return False
    if any(c not in _WRITTEN for c in text):
        return True
    pairs = _letter_pairs()
    return any(text[i:i + 2] not in pairs for i in range(len(text) - 1)
               if not text[i:i + 2].isascii())


def is_common(word: str) -> bool:
    """True for one of the commonest syllables (:data:`COMMON`), any case."""
    return unicodedata.normalize("NFC", word).lower() in COMMON


def _split_letter(char: str) -> tuple[str, str]:
    """(letter without tone, tone mark or "") of one NFC character; "?" for a character
    that is not a Vietnamese letter or carries more than one tone."""
    parts = unicodedata.normalize("NFD", char)
    tones = [c for c in parts if c in TONES]
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
    if len(tones) > 1 or base not in LETTERS:
        return "?", ""
    return base, tones[0] if tones else ""


@lru_cache(maxsize=65_536)
def is_syllable(word: str) -> bool:
    """True when ``word`` (any case, NFC or not) is a well-formed Vietnamese syllable:
    ``Cộng``, ``HOÀ``, ``nghĩa``, ``quyết`` — not ``héi``, ``Vaên``, ``crème``, ``ƀôn``."""
    text = unicodedata.normalize("NFC", word).lower()
    if not text or len(text) > 8:
        return False
    letters, tone, position = [], "", -1
    for index, char in enumerate(text):
        base, mark = _split_letter(char)
        if base == "?":
            return False
        if mark:
            if tone:
                return False
            tone, position = mark, index
        letters.append(base)
    plain = "".join(letters)
    return any(_fits(plain, initial, tone, position) for initial in INITIALS
               if plain.startswith(initial))


def _fits(plain: str, initial: str, tone: str, position: int) -> bool:
    """Whether ``plain`` splits into ``initial`` + a rhyme, with ``tone`` at ``position``."""
    rhyme = plain[len(initial):]
    if rhyme not in RHYMES or not _spelled_right(initial, rhyme):
        return False
    if rhyme.endswith(_STOPS) and tone and tone not in _STOP_TONES:
        return False
    if not tone:
        return True
    return position - len(initial) in _tone_places(rhyme)


def _spelled_right(initial: str, rhyme: str) -> bool:
    front = rhyme[0] in _FRONT
    if initial in ("c", "ng"):
        return not front
    if initial in ("gh", "ngh"):
        return front and rhyme[0] != "y"
    if initial == "g":
        return rhyme[0] not in "eê"
    if initial == "gi":
        return not rhyme.startswith("i")
    return True


def _tone_places(rhyme: str) -> set[int]:
    """Indexes in ``rhyme`` where its tone mark may sit (module docstring)."""
    vowels = [i for i, letter in enumerate(rhyme) if letter in VOWELS]
    shaped = [i for i in vowels if rhyme[i] in _SHAPED]
    if shaped:
        return {shaped[-1]}
    if len(vowels) == 1 or vowels[-1] < len(rhyme) - 1:
        return {vowels[-1]}
    nucleus = rhyme[vowels[0]:vowels[-1] + 1]
    if nucleus in _EITHER:
        return set(vowels)
    if len(vowels) == 3:
        return {vowels[1]}
    return {vowels[0]}
