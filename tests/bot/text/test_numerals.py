import pytest

from bot.text.numerals import parse_cn_number, parse_en_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("12", 12),
        ("05", 5),
        ("一", 1),
        ("两", 2),
        ("二", 2),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("三十一", 31),
        ("零五", 5),
        ("〇五", 5),
        ("零", 0),
        # not numbers
        ("", None),
        ("十十", None),
        ("一二", None),
        ("二十零", None),
        ("零十", None),
        ("百", None),
        ("3个", None),
        ("三天", None),
    ],
)
def test_parse_cn_number(text: str, expected: int | None) -> None:
    assert parse_cn_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("a", 1), ("an", 1), ("One", 1), ("twelve", 12), ("thirteen", None), ("x", None), ("", None)],
)
def test_parse_en_number(text: str, expected: int | None) -> None:
    assert parse_en_number(text) == expected
