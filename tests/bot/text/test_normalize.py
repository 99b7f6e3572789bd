import pytest

from bot.text.normalize import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # full-width punctuation and the ideographic space become ASCII
        ("名称：阿里", "名称:阿里"),
        ("阿里，电话", "阿里,电话"),
        ("a\u3000b", "a b"),
        ("ＡＣＭＥ　１２３", "ACME 123"),
        # whitespace is trimmed and collapsed
        ("  new   Acme\t\nLtd  ", "new Acme Ltd"),
        # one leading command marker is dropped when a non-digit follows it
        ("＃帮助", "帮助"),
        ("#帮助", "帮助"),
        ("/new Acme", "new Acme"),
        ("／new Acme", "new Acme"),
        ("!help", "help"),
        ("！help", "help"),
        ("/ new Acme", "new Acme"),
        ("//new", "/new"),
        # ...but not before a digit: #12 is a customer id
        ("#12", "#12"),
        ("＃１２", "#12"),
        ("/12", "/12"),
        # a lone marker is not a command marker
        ("/", "/"),
        # invisible characters from copy-paste disappear
        ("Ac\u200bme\ufeff", "Acme"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_marker_inside_text_is_kept() -> None:
    assert normalize_text("find #12 /x") == "find #12 /x"
