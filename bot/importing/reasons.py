"""Why a row was rejected, skipped or imported with a note, in words a spreadsheet owner can act on.

Each reason has a stable code (kept in the error file's ``code`` column, so a script can filter) and a
message in Chinese and English. Messages quote the offending value so the row can be fixed in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["rejected", "skipped", "note"]

_MESSAGES: dict[str, dict[str, str]] = {
    # rejected: the row is not imported until it is fixed
    "name_missing": {"en": "the customer name is empty", "zh": "客户名称为空"},
    "unclosed_quote": {"en": "a quote opened on this line never closes (it ran over the next {lines} lines, "
                             "which were read again on their own)",
                       "zh": "本行的引号没有闭合（它吞掉了后面 {lines} 行，那些行已逐行重新读取）"},
    "after_unclosed_quote": {"en": "inside the unclosed quote of line {line}, and not a complete row by itself",
                             "zh": "位于第 {line} 行未闭合的引号之内，单独读取也不是完整的一行"},
    "too_many_fields": {"en": "{fields} fields where the header has {expected} (a separator inside an unquoted value?)",
                        "zh": "有 {fields} 个字段，表头只有 {expected} 个（某个值里有未加引号的分隔符？）"},
    "header_again": {"en": "the header row again (files pasted together?), not a customer",
                     "zh": "又一次出现表头行（多个文件拼接？），不是客户"},
    # skipped: a duplicate, left alone
    "duplicate": {"en": "duplicate of {target} (same {why})", "zh": "与{target}重复（{why}相同）"},
    "duplicate_hidden": {"en": "same {why} as a customer you cannot see; not imported",
                         "zh": "与一个你无权查看的客户{why}相同，未导入"},
    "identical": {"en": "already imported: identical to {target}", "zh": "已导入过：与{target}完全相同"},
    # notes: imported, but something to check
    "owner_unknown": {"en": "owner {value!r} not found; assigned to {user}", "zh": "找不到负责人“{value}”，已分配给 {user}"},
    "owner_ambiguous": {"en": "owner {value!r} matches several users; assigned to {user}",
                        "zh": "负责人“{value}”对应多个用户，已分配给 {user}"},
    "owner_not_allowed": {"en": "you cannot assign customers to {value!r}; assigned to {user}",
                          "zh": "你不能把客户分配给“{value}”，已分配给 {user}"},
    "owner_inactive": {"en": "owner {value!r} is deactivated; assigned to {user}",
                       "zh": "负责人“{value}”已停用，已分配给 {user}"},
    # set aside: the row imports, the value is kept in the notes
    "bad_phone": {"en": "phone {value!r} is not a valid phone number; kept in the notes",
                  "zh": "电话“{value}”不是有效的号码，已记入备注"},
    "bad_email": {"en": "email {value!r} is not a valid address; kept in the notes",
                  "zh": "邮箱“{value}”不是有效的地址，已记入备注"},
    "bad_contact_phone": {"en": "contact phone {value!r} is not a valid phone number; kept in the notes",
                          "zh": "联系人电话“{value}”不是有效的号码，已记入备注"},
    "bad_contact_email": {"en": "contact email {value!r} is not a valid address; kept in the notes",
                          "zh": "联系人邮箱“{value}”不是有效的地址，已记入备注"},
    "bad_birthday": {"en": "birthday {value!r} cannot be read ({detail}); kept in the notes",
                     "zh": "生日“{value}”无法识别（{detail}），已记入备注"},
    "bad_timezone": {"en": "time zone {value!r} is unknown (use e.g. Asia/Shanghai); kept in the notes",
                     "zh": "时区“{value}”无效（例如 Asia/Shanghai），已记入备注"},
    "extra_phones": {"en": "more phone numbers kept in the notes: {value}", "zh": "其余号码已记入备注：{value}"},
    "merged": {"en": "merged into {target}", "zh": "已合并到{target}"},
    "short_row": {"en": "only {fields} of the header's {expected} fields; the missing ones are blank",
                  "zh": "只有 {fields} 个字段（表头有 {expected} 个），缺少的按空白导入"},
    "nul_removed": {"en": "NUL characters removed from the line", "zh": "已删除本行中的 NUL 字符"},
    "line_decoded_as": {"en": "line read as {encoding} (the file mixes text encodings)",
                        "zh": "本行按 {encoding} 编码读取（文件混用了多种编码）"},
    "line_undecodable": {"en": "the line has bytes no known encoding reads; they show as �",
                         "zh": "本行有无法识别的字节，已显示为 �"},
    "hidden_row": {"en": "the row is hidden in the sheet; imported anyway", "zh": "该行在表格中被隐藏，仍已导入"},
    "bad_order": {"en": "order {value!r} cannot be read (date amount currency · items); kept in the notes",
                  "zh": "订单“{value}”无法识别（日期 金额 币种 · 内容），已记入备注"},
    "bad_deal": {"en": "deal {value!r} cannot be read (title · stage · amount currency · close date); kept in the notes",
                 "zh": "商机“{value}”无法识别（标题 · 阶段 · 金额 币种 · 预计成交日期），已记入备注"},
    "bad_date": {"en": "{field} {value!r} is not a date; kept in the notes", "zh": "{field}“{value}”不是日期，已记入备注"},
    "named_after_contact": {"en": "no customer name: the customer is the person {value!r}",
                            "zh": "没有客户名称：以联系人“{value}”作为个人客户导入"},
    "value_as_tag": {"en": "{field} {value!r} is not a word crmbot knows; kept as a tag",
                     "zh": "{field}“{value}”不是系统认识的取值，已作为标签保留"},
    "too_long_kept": {"en": "{field} is longer than {max} characters; shortened, the whole text kept in the notes",
                      "zh": "{field} 超过 {max} 个字符，已截短，全文记入备注"},
    "owner_changed": {"en": "owner changed to {value} (was {kept})", "zh": "负责人已改为 {value}（原为 {kept}）"},
    "contact_phone_changed": {"en": "contact {target} phone changed to {value} (was {kept})",
                              "zh": "联系人{target}的电话已改为 {value}（原为 {kept}）"},
    "cell_error": {"en": "{field} holds the spreadsheet error {value}; left blank", "zh": "{field}是表格错误值 {value}，已留空"},
    "formula_set_aside": {"en": "{field} is a formula without a value ({value}); left blank, kept in the notes",
                          "zh": "{field}是没有计算结果的公式（{value}），已留空并记入备注"},
    "merge_kept": {"en": "merged into {target}; kept its {field} {kept!r}, the file had {value!r}",
                   "zh": "已合并到{target}；保留原{field}“{kept}”，文件中为“{value}”"},
}

_WHY: dict[str, dict[str, str]] = {
    "id": {"en": "crmbot id", "zh": "编号"},
    "phone": {"en": "phone", "zh": "电话"},
    "email": {"en": "email", "zh": "邮箱"},
    "name": {"en": "name", "zh": "名称"},
    "pinyin": {"en": "name (pinyin)", "zh": "名称拼音"},
}

_FIELD_NAMES_ZH = {
    "company": "公司", "province": "省", "city": "市", "district": "区", "country": "国家", "postal_code": "邮编",
    "last_contact": "最近跟进时间", "next_followup": "下次跟进时间", "next_step": "下一步", "followup": "跟进记录",
    "followup_at": "跟进时间", "created": "创建时间", "crm_id": "编号", "keep": "其他", "first_name": "名",
    "last_name": "姓", "more_contacts": "其他联系人", "orders": "订单", "deals": "商机", "tier_source": "等级来源",
    "name": "客户名称", "kind": "类型", "industry": "行业", "region": "地区", "address": "地址", "phone": "电话",
    "email": "邮箱", "source": "来源", "tags": "标签", "owner": "负责人", "tier": "等级", "stage": "阶段",
    "notes": "备注", "timezone": "时区", "contact_name": "联系人", "contact_title": "职位",
    "contact_phone": "联系人电话", "contact_email": "联系人邮箱", "birthday": "生日",
}  # fmt: skip


@dataclass(frozen=True)
class Reason:
    """A coded reason with its parameters; ``text(lang)`` renders it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``; anything else reads English)."""
        lang = "zh" if lang == "zh" else "en"
        params = dict(self.params)
        if "why" in params:
            params["why"] = _WHY.get(params["why"], {}).get(lang, params["why"])
        if "field" in params and lang == "zh":
            params["field"] = _FIELD_NAMES_ZH.get(params["field"], params["field"])
        if "target" in params:
            params["target"] = describe_target(params["target"], lang)
        return _MESSAGES[self.code][lang].format(**params)


def describe_target(target: object, lang: str) -> str:
    """``("customer", 12, "Acme")`` → ``#12 Acme``; ``("row", 7, "Acme")`` → ``row 7 (Acme)`` / ``第 7 行（Acme）``."""
    if isinstance(target, tuple) and len(target) == 3:
        kind, number, name = target
        if kind == "row":
            return f"第 {number} 行（{name}）" if lang == "zh" else f"row {number} ({name})"
        return f"#{number} {name}"
    return str(target)


def reason_codes() -> frozenset[str]:
    """Every known reason code (tests check each has both languages)."""
    return frozenset(_MESSAGES)
