"""The few words the Slack adapter says itself (modals, Home tab, delivery problems), in en and zh.

Everything about customers comes from the core in the user's language; these are Slack-only phrases.
They are core markdown like the core's messages: parameters are escaped with `escape_md`.
"""

from __future__ import annotations

from typing import Any

from bot.render import escape_md, pick_language

_TEXTS: dict[str, dict[str, str]] = {
    "invite_bot": {
        "en": "I'm not in this channel yet. Invite me with `/invite @{bot}`, then share again.",
        "zh": "我还不在这个频道里。请先用 `/invite @{bot}` 邀请我，然后再分享。",
    },
    "channel_archived": {
        "en": "This channel is archived, so I can't post the card here.",
        "zh": "这个频道已归档，无法在这里发布客户卡片。",
    },
    "share_failed": {
        "en": "I couldn't post the card here (Slack said: {error}).",
        "zh": "无法在这里发布客户卡片（Slack 返回：{error}）。",
    },
    "more_truncated": {
        "en": "_(Too long for one Slack message; the rest was left out. Narrow it down to see more.)_",
        "zh": "_（内容太长，其余部分已省略，请缩小范围查看。）_",
    },
    "log_title": {"en": "Log follow-up", "zh": "记录跟进"},
    "label_customer": {"en": "Customer", "zh": "客户"},
    "customer_placeholder": {"en": "Type a name, pinyin initials, a phone…", "zh": "输入名称、拼音首字母或电话…"},
    "customer_required": {"en": "Choose the customer this message is about.", "zh": "请选择这条消息所属的客户。"},
    "new_title": {"en": "New customer", "zh": "新建客户"},
    "save": {"en": "Save", "zh": "保存"},
    "cancel": {"en": "Cancel", "zh": "取消"},
    "customer_ref": {"en": "Customer {ref}", "zh": "客户 {ref}"},
    "label_kind": {"en": "Kind", "zh": "方式"},
    "label_note": {"en": "What happened", "zh": "跟进内容"},
    "label_next_date": {"en": "Next follow-up on", "zh": "下次跟进日期"},
    "label_next_step": {"en": "Next step", "zh": "下一步"},
    "label_name": {"en": "Name", "zh": "客户名称"},
    "label_phone": {"en": "Phone", "zh": "电话"},
    "label_email": {"en": "Email", "zh": "邮箱"},
    "label_industry": {"en": "Industry", "zh": "行业"},
    "label_region": {"en": "Region", "zh": "地区"},
    "label_notes": {"en": "Notes", "zh": "备注"},
    "label_force": {"en": "Duplicates", "zh": "重复检查"},
    "force_option": {"en": "Create it anyway: it is a different customer", "zh": "仍然创建：这是另一个客户"},
    "note_required": {"en": "Write what happened.", "zh": "请填写跟进内容。"},
    "next_date_needed": {"en": "Pick the day of the next step.", "zh": "请选择下一步的日期。"},
    "date_in_past": {"en": "That day is in the past; pick a future day.", "zh": "这个日期已经过去了，请选择将来的日期。"},
    "duplicates_found": {
        "en": "This looks like a customer you already have: {matches}. If it really is a different one, "
              "tick “Create it anyway” below.",
        "zh": "这可能是已有的客户：{matches}。如果确实是另一个客户，请勾选下方的“仍然创建”。",
    },
    "duplicate_hidden": {"en": "a customer in another rep's book (same {reason})", "zh": "其他销售名下的客户（{reason}相同）"},
    "home_title": {"en": "My day", "zh": "我的一天"},
    "home_new": {"en": "New customer", "zh": "新建客户"},
    "home_help": {"en": "Help", "zh": "帮助"},
    "home_hint": {
        "en": "Type `/crm help` anywhere, or message me directly.",
        "zh": "在任意频道输入 `/crm 帮助`，或直接私信我。",
    },
    "thread_echo": {"en": "📝 **{author}** logged a {kind}: {text}", "zh": "📝 **{author}** 记录了{kind}：{text}"},
}


def say(key: str, lang: str, **params: Any) -> str:
    """The adapter phrase `key` in `lang` (core markdown); parameters are escaped unless marked Markdown."""
    phrase = _TEXTS[key][pick_language(lang)]
    return phrase.format(**{name: escape_md(value) for name, value in params.items()})
