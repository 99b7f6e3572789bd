"""The Chinese names of fields and values: one table, read by the command specs (usage lines, help),
the parse and validation errors, the change summaries and the reply templates, so that a Chinese reply
never shows an English identifier such as ``tier`` or ``at_risk``.

An option's Chinese label is its first Chinese alias (what the parser accepts, so usage shows keys that
work); the table below names the positional arguments and anything without a Chinese alias.
"""

from __future__ import annotations

import re

from bot import platforms

__all__ = ["FIELD_LABELS_ZH", "VALUE_LABELS_ZH", "describe_changes", "field_label", "value_label"]

FIELD_LABELS_ZH: dict[str, str] = {
    "customer": "客户", "name": "名称", "text": "内容", "query": "关键词", "ref": "客户", "command": "命令",
    "phone": "电话", "email": "邮箱", "kind": "类型", "industry": "行业", "region": "地区", "address": "地址",
    "source": "来源", "tags": "标签", "tier": "等级", "stage": "阶段", "notes": "备注", "timezone": "时区",
    "tz": "时区", "force": "确认", "next": "下次", "step": "下一步", "when": "时间", "duration": "时长",
    "amount": "金额", "due": "回款期", "currency": "币种", "items": "明细", "date": "日期", "order": "订单",
    "user": "用户", "from_user": "原负责人", "to_user": "新负责人", "lang": "语言", "morning": "早上",
    "title": "职位", "birthday": "生日", "id": "编号", "which": "编号", "action": "操作", "period": "周期",
    "where": "发送到", "owner": "负责人", "contacts": "联系人", "greeting_language": "问候语言",
    "birthday_month": "生日", "birthday_day": "生日", "birthday_year": "出生年份",
    "birthday_is_lunar": "农历", "birthday_is_leap_month": "闰月", "tier_manual": "手动等级",
    "snoozed_until": "暂停至", "deleted_at": "删除时间", "updated_at": "更新时间", "what": "客户或用户",
    "page": "页", "screen": "屏", "contact": "联系人", "points": "积分", "reason": "原因", "keep": "保留的客户",
    "drop": "并入的客户", "deal": "商机", "close": "预计成交", "scope": "范围",
    "priority": "优先级", "resolution": "解决方案", "ticket": "工单", "segment": "分群",
    "filters": "条件", "campaign": "活动", "share": "共享", "last_contact": "最近联系", "last_order": "最近下单",
    "value": "累计金额", "churn": "流失风险", "satisfaction": "满意度", "open_tickets": "未解决工单", "team": "团队", "contract_no": "合同编号",
    "subject": "标题",
    "merged": "并入", "merged_into": "合并到", "unmerged": "分出", "unmerged_from": "分出自",
    "delta": "积分变动", "balance": "余额", "customer_id": "客户", "score": "分数", "scale": "量表",
    "invite_id": "调查链接", "comment": "留言", "contact_id": "联系人", "order_id": "订单", "expires_at": "有效期至",
}  # fmt: skip

VALUE_LABELS_ZH: dict[str, dict[str, str]] = {
    "tier": {"vip": "VIP", "key": "重点", "normal": "普通"},
    "stage": {"lead": "线索", "first_purchase": "首次购买", "repeat": "复购", "loyal": "忠诚",
              "at_risk": "有流失风险", "churned": "已流失"},
    "kind": {"company": "公司", "person": "个人", "call": "电话", "visit": "拜访", "message": "消息",
             "email": "邮件", "meeting": "会议", "note": "备注", "survey": "调查", "daily": "每日", "weekly": "每周"},
    "lang": {"zh": "中文", "en": "英文"},
    "period": {"week": "本周", "month": "本月"},
    "where": {"here": "这里", "off": "关闭", "dm": "私聊"},
    "action": {"list": "列表", "all": "全部", "retry": "重试"},
    "priority": {"high": "高", "normal": "普通", "low": "低"},
    "ticket_kind": {"complaint": "投诉", "request": "请求"},
    "scope": {"mine": "我的", "team": "团队", "open": "未解决", "overdue": "逾期", "closed": "已解决"},
    "renew": {"auto": "自动", "manual": "手动"},
}  # fmt: skip

_CJK = re.compile(r"[\u3400-\u9fff]")


def field_label(name: str, lang: str = "zh") -> str:
    """The name of a field as shown in ``lang``: ``tier`` → ``等级`` in Chinese, unchanged in English."""
    if not lang.startswith("zh") or _CJK.search(name):
        return name
    return FIELD_LABELS_ZH.get(name, name)


def value_label(field: str, value: str, lang: str = "zh") -> str:
    """A value of a field as shown in ``lang``: ``at_risk`` → ``有流失风险``; other values unchanged."""
    if not lang.startswith("zh"):
        return value
    if field == "platform":  # platforms name themselves (`bot.platforms`): a new one needs no entry here
        return platforms.label_of(value, lang)
    for table in (VALUE_LABELS_ZH.get(field, {}), *VALUE_LABELS_ZH.values()):
        if value in table:
            return table[value]
    return value


def describe_changes(changed: dict[str, object], lang: str) -> str:
    """``region=江苏, tier=vip`` in English, ``地区：江苏，等级：VIP`` in Chinese; ``—`` for no change."""
    if not changed:
        return "—"
    zh = lang.startswith("zh")
    parts = []
    for key, value in changed.items():
        shown = "" if value is None else str(value).strip(",")
        if key == "tags":
            shown = ("、" if zh else ",").join(part for part in shown.split(",") if part)
        shown = value_label(key, shown, lang) if shown else ("（空）" if zh else "(none)")
        parts.append(f"{field_label(key, lang)}：{shown}" if zh else f"{key}={shown}")
    return ("，" if zh else ", ").join(parts)
