"""Normalised forms of what identifies a customer, for search and duplicate detection: phone numbers
(E.164 via ``phonenumbers``), email addresses, company/person name keys, pinyin, and name similarity
(``rapidfuzz``).

Name keys ignore case, width, punctuation, spaces and legal-form suffixes (``有限公司``, ``Ltd``...), so
``Acme Ltd.`` and ``ACME`` share a key. Content in brackets is kept, only the brackets go:
``阿里巴巴（中国）有限公司`` → ``阿里巴巴中国``. Region words are kept too (inside brackets or not), because
``华为(深圳)`` and ``华为(上海)`` can be different customers; similarity, not the key, is what notices
that ``阿里巴巴中国`` and ``阿里巴巴`` are probably the same one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import opencc
import phonenumbers
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin
from rapidfuzz import fuzz

__all__ = [
    "DUPLICATE_NAME_THRESHOLD",
    "SURNAME_READINGS",
    "fold_chinese",
    "is_probable_duplicate_name",
    "looks_like_phone",
    "name_key",
    "name_similarity",
    "normalize_email",
    "normalize_phone",
    "pinyin_full",
    "pinyin_initials",
    "pinyin_keys",
]

# ---- phone ---------------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-().+/]")


def normalize_phone(raw: str, default_region: str = "CN") -> str | None:
    """The number in E.164 (``+8613800138000``), or None unless it is a valid number.

    Accepts spaces, dashes, brackets, ``+86``, ``0086``, full-width digits and a ``tel:`` prefix; a
    number without a country code is read in ``default_region``. Text with letters is refused rather
    than read as a vanity number or with its extension silently dropped (``1-800-FLOWERS``,
    ``13800138000 ext 12``, ``13800138000转123``).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if text[:4].lower() == "tel:":
        text = text[4:]
    if not text or len(text) > 40 or any(char.isalpha() for char in text):
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """Cheap test for the search path: 7 to 20 digits once spaces, dashes, brackets, dots, ``+`` and
    ``/`` are removed (full-width forms included). Says nothing about validity."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    return 7 <= len(digits) <= 20 and digits.isascii() and digits.isdigit()


# ---- email ---------------------------------------------------------------------------------------------

# Basic shape only (a full RFC 5322 check would accept addresses no one types): a local part without
# spaces, quotes or brackets, and a domain of letter/digit labels ending in a 2+ letter top level.
# Unicode letters are allowed in both (RFC 6531 addresses such as 张三@例子.公司).
_EMAIL = re.compile(
    r"(?P<local>[^\s@\"(),:;<>\[\]\\]{1,64})@"
    r"(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63})"
)


def normalize_email(raw: str) -> str | None:
    """The address trimmed and lower-cased, or None if it does not look like an email address.

    Full-width forms are folded (``ａ＠ｂ．ｃｏｍ``), the ideographic full stop a Chinese keyboard types
    (``qq。com``) is read as a dot, and ``mailto:`` and surrounding ``<>`` are removed.
    """
    text = unicodedata.normalize("NFKC", raw).strip().replace("。", ".").lower()
    text = text.removeprefix("mailto:").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    match = _EMAIL.fullmatch(text)
    if match is None or len(text) > 254:
        return None
    local = match.group("local")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    return text


# ---- name keys -----------------------------------------------------------------------------------------

# Legal forms and group words that say nothing about which customer it is. Industry words (科技, 贸易,
# Trading) are deliberately kept: 华为技术 and 华为终端 are different companies.
_LATIN_SUFFIXES = frozenset((
    "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp",
    "plc", "gmbh", "ag", "kg", "pte", "pty", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "kk", "oy",
    "ab", "group", "holding", "holdings",
))  # fmt: skip
# Longest first, so that 有限责任公司 is removed whole rather than as 公司.
_CJK_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "股份公司", "有限合伙",
    "分公司", "总公司", "總公司", "公司", "集团", "集團", "控股",
)  # fmt: skip
# Removed without leaving a gap, so "S.A." is "sa", "Co." is "co" and "O'Neil" is "oneil".
_JOINERS = dict.fromkeys(map(ord, ".'’·・"))


def name_key(name: str) -> str:
    """The comparable core of a customer name: NFKC, case-folded, without punctuation, spaces or
    legal-form suffixes, e.g. ``Acme Co., Ltd.`` → ``acme``, ``阿里巴巴（中国）有限公司`` → ``阿里巴巴中国``,
    ``The Acme Group`` → ``acme``. A name that is nothing but a suffix keeps it (``有限公司``)."""
    return "".join(_name_tokens(name))


def _name_tokens(name: str) -> tuple[str, ...]:
    text = fold_chinese(unicodedata.normalize("NFKC", name).casefold().translate(_JOINERS))
    tokens = "".join(" " if unicodedata.category(char)[0] in "PSZ" else char for char in text).split()
    while tokens:
        last = tokens[-1]
        if len(tokens) > 1 and last in _LATIN_SUFFIXES:
            tokens.pop()
            continue
        suffix = next((s for s in _CJK_SUFFIXES if last.endswith(s)), "")
        if not suffix or (len(tokens) == 1 and suffix == last):
            break  # nothing to strip, or the name is nothing but a suffix
        if len(last) > len(suffix):
            tokens[-1] = last[: -len(suffix)]
        else:
            tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tuple(tokens)


# ---- traditional and simplified ---------------------------------------------------------------------

_T2S = opencc.OpenCC("t2s")


def _traditional_characters() -> frozenset[str]:
    """Every character OpenCC's t2s table changes: text without one is already simplified (a phrase the
    phrase table converts holds at least one of them)."""
    found: set[str] = set()
    table = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    for line in table.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if len(key) == 1 and values.split(" ")[0] != key:
            found.add(key)
    return frozenset(found)


_TRADITIONAL = _traditional_characters()


@lru_cache(maxsize=65536)
def fold_chinese(text: str) -> str:
    """Traditional Chinese folded to simplified (``廣州貿易`` → ``广州贸易``; OpenCC's t2s table), so names,
    queries and contacts written in either script share their keys. Text without a traditional character
    is returned as it is (and quickly: OpenCC's pure-Python conversion costs ~25 µs a name)."""
    if _TRADITIONAL.isdisjoint(text):
        return text
    return _T2S.convert(text)


# ---- pinyin --------------------------------------------------------------------------------------------

# Runs of Han characters (with 〇) versus everything else; only the former go through pypinyin.
_HAN_RUN = re.compile(r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")
_LATIN_WORD = re.compile(r"[a-z0-9]+")

#: How a polyphonic character is read as a surname, where that differs from its everyday reading. A
#: person's name (and a customer of kind ``person``) is keyed with its surname reading first.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "朴": "piao", "仇": "qiu", "区": "ou", "查": "zha", "覃": "qin",
    "薄": "bo", "乐": "yue", "盖": "ge", "缪": "miao", "召": "shao", "翟": "zhai", "种": "chong", "秘": "bi",
    "尉": "yu", "员": "yun", "繁": "po", "长": "chang", "隗": "wei", "宓": "mi", "冼": "xian", "折": "she",
    "句": "gou", "纪": "ji", "任": "ren", "沈": "shen", "万": "wan", "华": "hua", "重": "chong", "黑": "he",
    "都": "du", "费": "fei", "过": "guo", "阚": "kan", "殷": "yin", "蕃": "pi", "祭": "zhai",
}  # fmt: skip
# More combinations of readings than this: vary one character at a time instead of all of them.
_MAX_COMBINATIONS = 8
#: The stored pinyin key's size (the column holds 400 characters).
MAX_PINYIN_KEY = 400


def pinyin_full(name: str, *, person: bool = False) -> str:
    """Toneless pinyin of the Han characters with ASCII letters and digits kept, all lower-case and
    run together: ``张伟`` → ``zhangwei``, ``Acme 科技`` → ``acmekeji``, ``吕`` → ``lv``.

    The everyday reading (pypinyin's phrase-aware default); with ``person``, the first character is read
    as a surname (``曾国藩`` → ``zengguofan``). Other readings are in :func:`pinyin_keys`.
    """
    return _primary(_reading_units(name), name, person)[0]


def pinyin_initials(name: str, *, person: bool = False) -> str:
    """First letters: one per Han character (``阿里巴巴`` → ``albb``) and one per Latin word (``Acme
    Trading`` → ``at``); numbers are kept whole (``360安全`` → ``360aq``)."""
    return _primary(_reading_units(name), name, person)[1]


def pinyin_keys(name: str, *, person: bool = False) -> tuple[str, str]:
    """The stored pinyin keys of a name: (full pinyin, initials).

    The full key starts with the everyday reading (:func:`pinyin_full`) and continues, space-separated,
    with the other readings of polyphonic characters (pypinyin heteronyms; ``曾`` → ``zeng`` and
    ``ceng``), their initials, ``u`` for ``ü`` (``lv`` → ``lu``), and the surname reading of the first
    character: so ``zgf``, ``zengguofan`` and ``cengguofan`` all find 曾国藩 and ``yinhang`` finds 中国银行
    inside the key. Readings are varied in the name without its legal form (有限公司 adds none). The
    initials key is the everyday reading's.
    """
    units = _reading_units(name)
    full, initials = _primary(units, name, person)
    spellings = [full]
    length = len(full)
    surname = _surname_reading(name)
    everyday = list(_primary(units, name, False)) if person and surname else []  # 区 read qu, not ou
    for alternate in [*everyday, *_alternates(_without_legal_form(units, name), surname)]:
        if alternate in (full, initials) or alternate in spellings:
            continue
        if length + 1 + len(alternate) > MAX_PINYIN_KEY:
            break  # the column's size; the likeliest readings come first
        spellings.append(alternate)
        length += 1 + len(alternate)
    return " ".join(spellings), initials


def _without_legal_form(units: tuple[_Unit, ...], name: str) -> tuple[_Unit, ...]:
    """The syllables of ``name`` without those of a Chinese legal-form suffix (有限公司: one per character)."""
    folded = _fold(name).rstrip()
    suffix = next((s for s in _CJK_SUFFIXES if folded.endswith(s)), "")
    return units[: len(units) - len(suffix)] if suffix and len(units) > len(suffix) else units

# One syllable of a name (or a Latin word): its readings, the everyday one first.
_Unit = tuple[str, ...]


@lru_cache(maxsize=65536)
def _reading_units(name: str) -> tuple[_Unit, ...]:
    """The syllables of Han runs (every reading of each character, pypinyin's phrase-aware choice first) and
    the Latin words between them, in order: one pypinyin pass per name."""
    units: list[_Unit] = []
    for part in _HAN_RUN.split(fold_chinese(_fold(name))):
        if _HAN_RUN.fullmatch(part):
            for char, everyday in zip(part, _PINYIN.lazy_pinyin(part, style=Style.NORMAL), strict=False):
                units.append(_unit(char, everyday))
        else:
            units.extend((word,) for word in _LATIN_WORD.findall(_ascii(part)))
    return tuple(units)


def _initial(syllable: str) -> str:
    """A syllable's initial: its first letter; a number or a character without a reading stays whole."""
    return syllable[0] if syllable.isascii() and syllable[:1].isalpha() else syllable


def _primary(units: tuple[_Unit, ...], name: str, person: bool) -> tuple[str, str]:
    syllables = [unit[0] for unit in units]
    if person and syllables and (surname := _surname_reading(name)):
        syllables[0] = surname
    return "".join(syllables), "".join(_initial(s) for s in syllables)


def _surname_reading(name: str) -> str | None:
    first = fold_chinese(_fold(name).lstrip())[:1]
    return SURNAME_READINGS.get(first)


def _alternates(units: tuple[_Unit, ...], surname: str | None) -> list[str]:
    """Full and initial spellings of the other readings (see :func:`pinyin_keys`), likeliest first."""
    if not units:
        return []
    choices = [list(unit) for unit in units]
    if surname:  # the everyday reading, then the surname reading, then the others
        everyday_first = choices[0][0]
        choices[0] = list(dict.fromkeys([everyday_first, surname, *choices[0]]))
    total = 1
    for unit in choices:
        total *= len(unit)
    found: list[str] = []
    if total <= _MAX_COMBINATIONS:
        spellings: list[list[str]] = [[]]
        for unit in choices:
            spellings = [done + [reading] for done in spellings for reading in unit]
        for spelling in spellings:
            found.append("".join(spelling))
            found.append("".join(_initial(s) for s in spelling))
    else:  # one character at a time, the first one's readings first: surnames and the start matter most
        everyday = [unit[0] for unit in choices]
        initials = [_initial(s) for s in everyday]
        for i, unit in enumerate(choices):
            if len(unit) == 1:
                continue
            head, tail = "".join(everyday[:i]), "".join(everyday[i + 1 :])
            head_initials, tail_initials = "".join(initials[:i]), "".join(initials[i + 1 :])
            for reading in unit[1:]:
                found.append(head + reading + tail)
                found.append(head_initials + _initial(reading) + tail_initials)
    found += [text.replace("lv", "lu").replace("nv", "nu") for text in found if "v" in text]
    return found


@lru_cache(maxsize=32768)
def _unit(char: str, everyday: str) -> _Unit:
    """A character's readings, the one pypinyin chose in context first."""
    if not everyday.isascii():
        return (everyday,)
    return (everyday, *(r for r in _char_readings(char) if r != everyday))


@lru_cache(maxsize=8192)
def _char_readings(char: str) -> tuple[str, ...]:
    """Every toneless reading pypinyin knows for one character (``行`` → ``xing``, ``hang`` …)."""
    readings = _PINYIN.pinyin(char, style=Style.NORMAL, heteronym=True)
    return tuple(r for r in (readings[0] if readings else []) if r.isascii() and r.isalpha())


def _syllables_and_initials(name: str) -> list[tuple[str, str]]:
    """Pinyin syllables (everyday reading) of Han runs and the Latin words between them, each with its initial."""
    return [(unit[0], unit[0] if unit[0].isdigit() else _initial(unit[0])) for unit in _reading_units(name)]


class _MemoisedConverter(UltimateConverter):
    """The converter ``pypinyin.lazy_pinyin`` builds on every call (default options), built once here, with the
    conversion of each segmented word memoised. pypinyin cuts a name into dictionary words (信息技术, 有限公司,
    a city) that recur across a customer list, and converting a word is a pure function of its arguments:
    deep-copying its phrase entry and converting each syllable's style was most of pypinyin's time per name
    (an import computes the keys of 60,000 names). The output is pypinyin's own, unchanged."""

    def convert(self, words, style, heteronym, errors, strict, **kwargs):  # type: ignore[override]
        if kwargs or callable(errors):
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        return [list(item) for item in _converted_word(words, style, heteronym, errors, strict)]


_PLAIN_CONVERTER = UltimateConverter()


@lru_cache(maxsize=65536)
def _converted_word(words: str, style: Style, heteronym: bool, errors: str, strict: bool) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(item) for item in _PLAIN_CONVERTER.convert(words, style, heteronym, errors, strict))


_PINYIN = Pinyin(_MemoisedConverter())


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _ascii(text: str) -> str:
    """Latin text without accents (``Müller`` → ``muller``); other scripts drop out."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# ---- similarity ----------------------------------------------------------------------------------------

#: ``is_probable_duplicate_name`` is true from this :func:`name_similarity` score on. 85 accepts one
#: typo in an 8-letter name (``Mircosoft``: 88.9) and homophones (``张伟``/``张薇``: 100) and rejects
#: near-misses such as ``Acme``/``Apex`` (50), ``阿里巴巴``/``阿里妈妈`` (71) and ``张伟``/``张卫东`` (80).
DUPLICATE_NAME_THRESHOLD = 85.0
# Score of one name's key appearing whole inside the other's (``阿里巴巴`` in ``北京阿里巴巴科技``): a
# probable duplicate whatever the lengths, provided the shorter key is long enough to mean something.
_CONTAINED_SCORE = 90.0


def name_similarity(a: str, b: str) -> float:
    """How alike two customer names are, 0–100, comparing their name keys and their pinyin.

    The score is the best of: rapidfuzz ``ratio`` of the keys (typos), ``ratio`` of their pinyin
    (homophones, and Han versus pinyin spellings: ``张伟`` vs ``Zhang Wei``), token-order-free pinyin
    when a name has Latin letters (``Wei Zhang``), and :data:`_CONTAINED_SCORE` when one key contains
    the other and the shorter has at least 2 Han characters or 4 other characters.
    """
    key_a, pinyin_a, latin_a = _profile(a)
    key_b, pinyin_b, latin_b = _profile(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 100.0
    score = max(fuzz.ratio(key_a, key_b), fuzz.ratio(pinyin_a.replace(" ", ""), pinyin_b.replace(" ", "")))
    if latin_a or latin_b:
        score = max(score, fuzz.token_sort_ratio(pinyin_a, pinyin_b))
    shorter, longer = sorted((key_a, key_b), key=len)
    if shorter in longer and _is_distinctive(shorter):
        score = max(score, _CONTAINED_SCORE)
    return float(score)


def is_probable_duplicate_name(a: str, b: str) -> bool:
    """True when :func:`name_similarity` reaches :data:`DUPLICATE_NAME_THRESHOLD`."""
    return name_similarity(a, b) >= DUPLICATE_NAME_THRESHOLD


@lru_cache(maxsize=4096)
def _profile(name: str) -> tuple[str, str, bool]:
    """Key, space-separated pinyin of the key, and whether it has Latin letters; cached because the
    duplicate check compares one new name with many stored ones and vice versa."""
    tokens = _name_tokens(name)
    key = "".join(tokens)
    syllables = (syllable for syllable, _ in _syllables_and_initials(" ".join(tokens)))
    return key, " ".join(syllables), any("a" <= char <= "z" for char in key)


def _is_distinctive(key: str) -> bool:
    han = sum(1 for char in key if _HAN_RUN.match(char))
    return han >= 2 or len(key) - han >= 4
