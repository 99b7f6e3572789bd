import pytest

from bot.text.normalize import normalize_text
from bot.text.words import Word, split_key_value, split_words


def texts(line: str) -> list[str]:
    return [word.text for word in split_words(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("new Acme phone:138", ["new", "Acme", "phone:138"]),
        ("a  b\tc", ["a", "b", "c"]),
        # comma and 、 separate words, with or without spaces
        ("vip,hot", ["vip", "hot"]),
        ("vip, hot ,cold", ["vip", "hot", "cold"]),
        ("重点、大客户、华东", ["重点", "大客户", "华东"]),
        ("a,,b", ["a", "b"]),
        # ...except a thousands separator inside a number
        ("order Acme 1,000", ["order", "Acme", "1,000"]),
        ("12,500,000.50", ["12,500,000.50"]),
        ("13800138000,15900139000", ["13800138000", "15900139000"]),
        ("1,5", ["1", "5"]),
        # quotes group words, every style
        ('new "Acme Ltd" x', ["new", "Acme Ltd", "x"]),
        ("new “阿里 巴巴” x", ["new", "阿里 巴巴", "x"]),
        ("new 「阿里 巴巴」 x", ["new", "阿里 巴巴", "x"]),
        ("new 『阿里 巴巴』 x", ["new", "阿里 巴巴", "x"]),
        ("new 'Acme Ltd' x", ["new", "Acme Ltd", "x"]),
        ("new ‘Acme Ltd’ x", ["new", "Acme Ltd", "x"]),
        # mixed straight/curly double quotes, as phones produce them
        ('new “Acme Ltd" x', ["new", "Acme Ltd", "x"]),
        ("new ”Acme Ltd“ x", ["new", "Acme Ltd", "x"]),
        # separators inside quotes are kept
        ('"a, b、c"', ["a, b、c"]),
        # quoted parts glue to bare text around them
        ('ab"c d"e', ["abc de"]),
        # an unterminated quote runs to the end of the text
        ('log Acme "called, no answer', ["log", "Acme", "called, no answer"]),
        ("log 「未闭合 的引号", ["log", "未闭合 的引号"]),
        # apostrophes are not quotes
        ("O'Brien didn't call", ["O'Brien", "didn't", "call"]),
        ("'Mary's shop' ok", ["Mary's shop", "ok"]),
        ("talked about '90s music", ["talked", "about", "'90s", "music"]),
        ("", []),
        ("  ,、 ", []),
    ],
)
def test_split_words_texts(line: str, expected: list[str]) -> None:
    assert texts(line) == expected


def test_quoted_flag() -> None:
    assert split_words('new "Acme Ltd" Acme') == [
        Word("new", False),
        Word("Acme Ltd", True),
        Word("Acme", False),
    ]


def test_empty_quotes_are_an_explicit_empty_word() -> None:
    assert split_words('note ""') == [Word("note", False), Word("", True)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('note:"hello world"', Word("note:hello world", False)),
        ('name:"Acme Ltd"', Word("name:Acme Ltd", False)),
        ("name:“阿里 巴巴”", Word("name:阿里 巴巴", False)),
        ("note='it's fine'", Word("note=it's fine", False)),
        ('tags:"vip,hot"', Word("tags:vip,hot", False)),
        # the colon inside the quotes is not a bare key separator
        ('"a:b"', Word("a:b", True)),
        ('x"a:b"', Word("xa:b", True)),
    ],
)
def test_quoted_value_glued_to_key(line: str, expected: Word) -> None:
    assert split_words(line) == [expected]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("phone:138", ("phone", "138")),
        ("Phone=138", ("phone", "138")),
        ("NAME:Acme", ("name", "Acme")),
        ("电话:13800138000", ("电话", "13800138000")),
        ("next_step:call", ("next_step", "call")),
        ('note:"hello world"', ("note", "hello world")),
        ('note:"10:00 meeting"', ("note", "10:00 meeting")),
        ("url:https://x.y", ("url", "https://x.y")),
        ("birthday:1985-03-02", ("birthday", "1985-03-02")),
        ("due=a=b", ("due", "a=b")),
        ("x:y:z", ("x", "y:z")),
        # not key/value
        ("10:00", None),
        ("9:30", None),
        ("3:2", None),
        ("https://x.y", None),
        ("#12", None),
        (":)", None),
        ("note:", None),
        ('note:" "', None),
        ("=x", None),
        ("a1:b", None),
        ("k" * 21 + ":v", None),
        ("plain", None),
        ('"a:b"', None),
        ('x"a:b"', None),
    ],
)
def test_split_key_value(line: str, expected: tuple[str, str] | None) -> None:
    [word] = split_words(line)
    assert split_key_value(word) == expected


def test_key_of_twenty_letters_is_accepted() -> None:
    assert split_key_value(Word("k" * 20 + ":v", False)) == ("k" * 20, "v")


def test_quoted_word_is_never_key_value() -> None:
    assert split_key_value(Word("note:hi", True)) is None


def test_full_width_input_after_normalisation() -> None:
    words = split_words(normalize_text("新建 阿里巴巴，电话：13800138000，行业＝电商"))
    assert [split_key_value(word) for word in words] == [
        None,
        None,
        ("电话", "13800138000"),
        ("行业", "电商"),
    ]


def test_full_width_separators_work_without_normalisation() -> None:
    words = split_words("阿里，电话：138")
    assert [word.text for word in words] == ["阿里", "电话：138"]
    assert split_key_value(words[1]) == ("电话", "138")


def test_apostrophe_heavy_line_is_linear() -> None:
    # Thousands of apostrophes that never close a quote: must stay words, quickly.
    words = split_words("'a " * 5000)
    assert len(words) == 5000
    assert words[0] == Word("'a", False)
