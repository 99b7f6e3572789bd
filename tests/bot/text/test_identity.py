import pytest

from bot.text.identity import (
    DUPLICATE_NAME_THRESHOLD,
    is_probable_duplicate_name,
    looks_like_phone,
    name_key,
    name_similarity,
    normalize_email,
    normalize_phone,
    pinyin_full,
    pinyin_initials,
)

# ---- phone ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("(+86) 138 0013 8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("＋８６　１３８００１３８０００", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("  13800138000  ", "+8613800138000"),
        ("tel:+8613800138000", "+8613800138000"),
        ("010-12345678", "+861012345678"),  # Beijing landline
        ("(020) 1234 5678", "+862012345678"),
        ("400-820-8820", "+864008208820"),
        ("+1 650 253 0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        # invalid
        ("", None),
        ("   ", None),
        ("12345", None),
        ("1380013800", None),  # one digit short
        ("138001380001", None),  # one digit long
        ("95588", None),  # a service short code, not a customer's number
        ("1-800-FLOWERS", None),
        ("13800138000 ext 12", None),
        ("13800138000转123", None),
        ("138abc00138000", None),
        ("not a phone", None),
        ("1" * 60, None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_normalize_phone_default_region() -> None:
    assert normalize_phone("(650) 253-0000", default_region="US") == "+16502530000"
    assert normalize_phone("(650) 253-0000") is None  # not a valid Chinese number
    assert normalize_phone("+8613800138000", default_region="US") == "+8613800138000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", True),
        ("138 0013 8000", True),
        ("+86-138-0013-8000", True),
        ("１３８００１３８０００", True),
        ("(020) 1234 5678", True),
        ("1234567", True),
        ("123456", False),
        ("138001380001380013800", False),  # 21 digits
        ("Acme", False),
        ("138abc", False),
        ("#12", False),
        ("张伟", False),
        ("", False),
    ],
)
def test_looks_like_phone(text: str, expected: bool) -> None:
    assert looks_like_phone(text) is expected


# ---- email ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.Smith@Example.COM ", "alice.smith@example.com"),
        ("bob+crm@mail.example.co.uk", "bob+crm@mail.example.co.uk"),
        ("ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "alice@example.com"),
        ("12345@qq。com", "12345@qq.com"),
        ("mailto:alice@example.com", "alice@example.com"),
        ("<alice@example.com>", "alice@example.com"),
        ("张三@例子.公司", "张三@例子.公司"),
        ("x@sub-domain.example.org", "x@sub-domain.example.org"),
        # invalid
        ("", None),
        ("alice", None),
        ("alice@", None),
        ("@example.com", None),
        ("alice@example", None),
        ("alice@@example.com", None),
        ("alice smith@example.com", None),
        ("alice@exa mple.com", None),
        (".alice@example.com", None),
        ("alice.@example.com", None),
        ("al..ice@example.com", None),
        ("alice@-example.com", None),
        ("alice@example.c", None),
        ("alice@example.123", None),
        ("a" * 65 + "@example.com", None),
    ],
)
def test_normalize_email(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


# ---- name keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme Ltd.", "acme"),
        ("ACME", "acme"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME CO.,LTD", "acme"),
        ("Acme Inc", "acme"),
        ("Acme Corporation", "acme"),
        ("Acme LLC", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme Pte Ltd", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme PLC", "acme"),
        ("The Acme Group", "acme"),
        ("Acme Holdings Limited", "acme"),
        ("Costco", "costco"),  # "co" only as a whole word
        ("Acme Trading", "acmetrading"),  # industry words are kept
        ("O'Neil Inc", "oneil"),
        ("Ｓｍｉｔｈ　＆　Ｓｏｎｓ", "smithsons"),
        ("阿里巴巴（中国）有限公司", "阿里巴巴中国"),
        ("阿里巴巴中国", "阿里巴巴中国"),
        ("阿里巴巴(中国)网络技术有限公司", "阿里巴巴中国网络技术"),
        ("张伟科技有限公司", "张伟科技"),
        ("张伟科技", "张伟科技"),
        ("华为技术有限公司", "华为技术"),
        ("腾讯控股有限公司", "腾讯"),
        ("平安集团股份有限公司", "平安"),
        ("某某有限责任公司", "某某"),
        ("平安保险深圳分公司", "平安保险深圳"),
        ("阿里巴巴 有限公司", "阿里巴巴"),
        ("Acme有限公司", "acme"),
        ("台積電股份有限公司", "台积电"),  # traditional folded to simplified
        ("长江实业集團", "长江实业"),
        ("“阿里巴巴”", "阿里巴巴"),
        ("张 伟", "张伟"),
        # a name that is only a suffix keeps it rather than becoming empty
        ("有限公司", "有限公司"),
        ("Company", "company"),
        ("", ""),
        ("...", ""),
    ],
)
def test_name_key(name: str, expected: str) -> None:
    assert name_key(name) == expected


# ---- pinyin --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张伟", "zhangwei", "zw"),
        ("阿里巴巴", "alibaba", "albb"),
        ("重庆银行", "chongqingyinhang", "cqyh"),  # phrase-aware: 重庆 chong, 银行 hang
        ("吕布", "lvbu", "lb"),
        ("Acme", "acme", "a"),
        ("Acme Trading", "acmetrading", "at"),
        ("ACME Trading Co", "acmetradingco", "atc"),
        ("Acme科技", "acmekeji", "akj"),
        ("Acme 科技 Ltd", "acmekejiltd", "akjl"),
        ("360安全", "360anquan", "360aq"),
        ("Café Müller", "cafemuller", "cm"),
        ("阿里巴巴（中国）", "alibabazhongguo", "albbzg"),
        ("ＡＢＣ", "abc", "a"),
        ("", "", ""),
        ("!!!", "", ""),
    ],
)
def test_pinyin(name: str, full: str, initials: str) -> None:
    assert pinyin_full(name) == full
    assert pinyin_initials(name) == initials


# ---- similarity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟科技有限公司", "张伟科技"),
        ("张伟", "张薇"),  # same pinyin, different characters
        ("李娜", "李纳"),
        ("Acme Ltd.", "ACME"),
        ("Acme Corp", "ACME Corporation"),
        ("阿里巴巴（中国）有限公司", "阿里巴巴中国"),
        ("阿里巴巴（中国）有限公司", "阿里巴巴"),
        ("北京字节跳动科技有限公司", "字节跳动"),
        ("华为", "华为技术有限公司"),
        ("Microsoft", "Mircosoft"),  # a typo
        ("Acme", "Acme Trading"),
        ("张伟", "Zhang Wei"),  # Han versus pinyin spelling
        ("张伟", "Wei Zhang"),  # Western order
    ],
)
def test_probable_duplicates(a: str, b: str) -> None:
    assert is_probable_duplicate_name(a, b)
    assert is_probable_duplicate_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme", "Apex"),
        ("阿里巴巴", "阿里妈妈"),
        ("张伟", "张卫东"),
        ("Apple", "Apply"),
        ("Al", "Ali"),  # too short to count as contained
        ("中国银行", "中国建设银行"),
        ("王小明", "王明小"),  # reordered Han names are different people
        ("华为技术", "华为终端"),
        ("Acme", ""),
        ("", ""),
    ],
)
def test_not_duplicates(a: str, b: str) -> None:
    assert not is_probable_duplicate_name(a, b)


def test_similarity_scale() -> None:
    assert name_similarity("Acme Ltd", "acme") == 100.0
    assert name_similarity("Acme", "Apex") == pytest.approx(50.0)
    assert 0.0 <= name_similarity("张伟", "李娜") < 30.0
    assert name_similarity("张伟", "张卫东") < DUPLICATE_NAME_THRESHOLD
