"""Customer fields settable with ``key:value`` (English and Chinese keys), and their validation."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.spec import ArgKind, Option
from bot.errors import UserError
from bot.text.identity import normalize_email, normalize_phone

CHOICE_WORDS = {
    "kind": {"company": "company", "person": "person", "公司": "company", "企业": "company", "个人": "person"},
    "tier": {"vip": "vip", "key": "key", "normal": "normal", "重点": "key", "普通": "normal", "重要": "key"},
    "stage": {
        "lead": "lead", "线索": "lead",
        "first_purchase": "first_purchase", "first": "first_purchase", "首购": "first_purchase", "首次购买": "first_purchase",
        "repeat": "repeat", "复购": "repeat",
        "loyal": "loyal", "忠诚": "loyal",
        "at_risk": "at_risk", "risk": "at_risk", "有风险": "at_risk", "风险": "at_risk", "有流失风险": "at_risk",
        "churned": "churned", "流失": "churned", "已流失": "churned",
    },
}

CUSTOMER_OPTIONS: tuple[Option, ...] = (
    Option("name", aliases=("名称", "客户名", "名字"), max_length=200),
    Option("phone", aliases=("电话", "手机", "tel", "mobile", "手机号"), max_length=40, absorbs_digit_groups=True),
    Option("email", aliases=("邮箱", "mail", "邮件"), max_length=200),
    Option("kind", aliases=("类型",), choices=("company", "person")),
    Option("industry", aliases=("行业",), max_length=80),
    Option("region", aliases=("地区", "区域", "城市"), max_length=80),
    Option("address", aliases=("地址",), max_length=300),
    Option("source", aliases=("来源",), max_length=80),
    Option("tags", aliases=("标签", "tag"), max_length=300, absorbs_comma_list=True),
    Option("tier", aliases=("等级", "级别"), choices=("vip", "key", "normal")),
    Option("stage", aliases=("阶段",), choices=("lead", "first_purchase", "repeat", "loyal", "at_risk", "churned")),
    Option("notes", aliases=("备注", "note"), max_length=4000, verbatim=True),
    Option("timezone", aliases=("时区", "tz"), max_length=64),
)

FORCE_OPTION = Option("force", aliases=("确认", "强制"), kind=ArgKind.WORD)


def customer_values(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise option values for the customer table; raises UserError on bad input."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "force":
            continue
        text = str(value).strip()
        if key in CHOICE_WORDS:
            chosen = CHOICE_WORDS[key].get(text.lower())
            if chosen is None:
                choices = ", ".join(sorted(set(CHOICE_WORDS[key].values())))
                raise UserError("bad_choice", name=key, value=text, choices=choices)
            values[key] = chosen
        elif key == "phone":
            phone = normalize_phone(text)
            if phone is None:
                raise UserError("bad_phone", value=text)
            values[key] = phone
        elif key == "email":
            email = normalize_email(text)
            if email is None:
                raise UserError("bad_email", value=text)
            values[key] = email
        elif key == "tags":
            values[key] = format_tags(text)
        elif key == "timezone":
            try:
                ZoneInfo(text)
            except (ZoneInfoNotFoundError, ValueError):
                raise UserError("bad_timezone", value=text) from None
            values[key] = text
        elif key == "name":
            if not text:
                raise UserError("name_required")
            values[key] = text
        else:
            values[key] = text or None
    return values


def format_tags(text: str) -> str:
    """``vip/华东;expo`` → ``,vip,华东,expo,`` (lower-cased, deduplicated, order kept)."""
    parts = [p.strip().lower() for p in text.replace(";", ",").replace("/", ",").replace("|", ",").split(",")]
    unique = list(dict.fromkeys(p for p in parts if p))
    return f",{','.join(unique)}," if unique else ""
