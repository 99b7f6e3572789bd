"""The words other CRMs and spreadsheets use for a customer's type, stage and level, and what they are here.

A value in a kind / stage / tier column is read with crmbot's own words first (``bot.commands.fields``),
then with this table, whichever of the three columns it was in (Salesforce's ``Type`` says
"Customer - Direct", a stage; 企业微信's 客户类型 says 微信用户, a kind). A word that is in neither is kept
as a tag with its own spelling, so nothing the file said is lost. docs/importing.md shows the table.
"""

from __future__ import annotations

import re
import unicodedata

from bot.commands.fields import CHOICE_WORDS

# (field, crmbot value): words, as the vendors write them.
VENDOR_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("stage", "lead"): (
        "subscriber", "lead", "marketing qualified lead", "mql", "sales qualified lead", "sql", "opportunity",
        "prospect", "new", "open", "in progress", "attempted to contact", "connected", "open deal", "unqualified",
        "潜在客户", "潜在", "意向客户", "意向", "初步接触", "需求确认", "方案报价", "商务谈判", "未成交", "跟进中",
        "待跟进", "新客户", "线索客户", "公海", "公海客户",
    ),
    ("stage", "first_purchase"): (
        "customer", "customer - direct", "customer - channel", "customer direct", "customer channel",
        "won", "closed won", "已成交", "成交", "成交客户", "签约客户", "首次成交", "已签约",
    ),
    ("stage", "repeat"): ("多次成交", "复购客户", "二次成交", "老客户", "repeat customer"),
    ("stage", "loyal"): ("evangelist", "忠实客户", "长期合作", "战略合作"),
    ("stage", "at_risk"): ("at risk", "沉睡客户", "沉默客户", "预警客户"),
    ("stage", "churned"): ("former customer", "churned", "lost", "closed lost", "流失客户", "已流失", "丢单",
                           "输单", "无效客户"),
    ("tier", "vip"): ("a", "a类", "a级", "a+", "vip客户", "vip", "战略客户", "核心客户", "大客户", "一级",
                      "一级客户", "★★★", "★★★★", "★★★★★", "重要客户（a）", "svip"),
    ("tier", "key"): ("b", "b类", "b级", "重要客户", "重点客户", "二级", "二级客户", "★★", "key account",
                      "high", "hot"),
    ("tier", "normal"): ("c", "c类", "c级", "d", "d类", "d级", "普通客户", "一般客户", "三级", "三级客户", "★",
                         "low", "medium", "standard", "small", "小客户", "cold", "warm"),
    ("kind", "company"): ("企业客户", "公司客户", "企业用户", "机构", "单位", "organization", "organisation",
                          "business", "b2b", "account"),
    ("kind", "person"): ("个人客户", "个人用户", "微信用户", "企业微信用户", "自然人", "individual", "consumer",
                         "b2c", "contact", "person account"),
}  # fmt: skip

_LOOKUP: dict[str, tuple[str, str]] = {}
for (_field, _value), _words in VENDOR_WORDS.items():
    for _word in _words:
        _LOOKUP.setdefault(_word, (_field, _value))

_BRACKETS = re.compile(r"[(（\[【](.*?)[)）\]】]")


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def classify(field: str, text: str) -> tuple[str, str] | None:
    """``(field, value)`` a kind / stage / tier cell means, or ``None`` when no table knows the word.

    The cell's own column is tried first, then the other two (a stage word in a type column is a stage);
    ``A（重要客户）`` is read as ``A`` and, failing that, as ``重要客户``."""
    key = _key(text)
    candidates = [key]
    if (inner := _BRACKETS.search(key)) is not None:
        candidates += [_BRACKETS.sub("", key).strip(), inner.group(1).strip()]
    for candidate in candidates:
        if not candidate:
            continue
        own = CHOICE_WORDS[field].get(candidate)
        if own is not None:
            return field, own
        found = _LOOKUP.get(candidate)
        if found is not None and found[0] == field:
            return found
    for candidate in candidates:
        for other in ("stage", "kind", "tier"):
            if other != field and candidate and (own := CHOICE_WORDS[other].get(candidate)) is not None:
                return other, own
        if candidate and (found := _LOOKUP.get(candidate)) is not None:
            return found
    return None


def vocabulary_table() -> list[tuple[str, str, str]]:
    """``(field, crmbot value, vendor words)`` rows, for the documentation."""
    return [(field, value, ", ".join(words)) for (field, value), words in VENDOR_WORDS.items()]
