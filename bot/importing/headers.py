"""Which spreadsheet column holds which customer field: automatic Chinese / English header mapping plus
``--map 'Header=field,…'`` overrides.

Headers are compared after NFKC, case folding and removing spaces, punctuation, required-markers (``*``)
and bracketed hints (``电话(必填)``, ``Phone (mobile)``), so ``客户名称*``, ``Customer Name`` and
``customer_name`` all find their field. A header that matches nothing is ignored and reported, never
guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Canonical import fields, in the order the error messages and `--help` list them.
CUSTOMER_FIELDS: tuple[str, ...] = (
    "name", "kind", "industry", "region", "address", "phone", "email", "source", "tags", "owner",
    "tier", "stage", "notes", "timezone",
)  # fmt: skip
CONTACT_FIELDS: tuple[str, ...] = ("contact_name", "contact_title", "contact_phone", "contact_email", "birthday")
FIELDS: tuple[str, ...] = CUSTOMER_FIELDS + CONTACT_FIELDS
IGNORE = "ignore"

# Header spellings per field, written as the normalised key (see `header_key`).
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customername", "company", "companyname", "account", "accountname",
             "organization", "organisation", "客户名称", "客户名", "客户", "公司", "公司名称", "公司名",
             "企业", "企业名称", "单位", "单位名称", "名称", "客户姓名", "姓名", "客户全称", "全称"),
    "kind": ("kind", "type", "customertype", "类型", "客户类型", "客户性质"),
    "industry": ("industry", "sector", "vertical", "行业", "所属行业", "行业类别"),
    "region": ("region", "city", "area", "province", "location", "地区", "区域", "城市", "省份", "省市",
               "所在地", "所在地区", "所在城市"),
    "address": ("address", "streetaddress", "地址", "详细地址", "公司地址", "联系地址", "办公地址"),
    "phone": ("phone", "mobile", "tel", "telephone", "phonenumber", "mobilephone", "mobilenumber", "cell",
              "cellphone", "电话", "手机", "手机号", "手机号码", "电话号码", "联系电话", "联系方式", "座机",
              "固话", "客户电话"),
    "email": ("email", "mail", "emailaddress", "邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "客户邮箱"),
    "source": ("source", "leadsource", "channel", "来源", "客户来源", "线索来源", "渠道"),
    "tags": ("tags", "tag", "labels", "label", "标签", "客户标签"),
    "owner": ("owner", "rep", "salesrep", "salesperson", "accountowner", "assignedto", "负责人", "销售",
              "销售员", "归属销售", "业务员", "客户经理", "跟进人", "所属销售", "客户负责人", "归属人"),
    "tier": ("tier", "level", "grade", "priority", "等级", "客户等级", "级别", "客户级别"),
    "stage": ("stage", "lifecyclestage", "阶段", "客户阶段", "生命周期"),
    "notes": ("notes", "note", "remark", "remarks", "comment", "comments", "description", "备注", "说明",
              "备注信息", "描述"),
    "timezone": ("timezone", "tz", "时区"),
    "contact_name": ("contact", "contactname", "contactperson", "keycontact", "联系人", "联系人姓名",
                     "关键联系人", "联系人名称"),
    "contact_title": ("title", "jobtitle", "position", "role", "contacttitle", "职位", "职务", "联系人职位",
                      "联系人职务", "头衔"),
    "contact_phone": ("contactphone", "contactmobile", "联系人电话", "联系人手机", "联系人手机号"),
    "contact_email": ("contactemail", "联系人邮箱", "联系人邮件"),
    "birthday": ("birthday", "dob", "dateofbirth", "birthdate", "生日", "出生日期", "联系人生日", "生辰"),
}  # fmt: skip

# Headers that are known and deliberately not imported: row numbers, ids, and the bookkeeping columns of
# our own error file and export (so either can be fixed up and imported again).
_KNOWN_IGNORED = frozenset((
    "序号", "编号", "no", "#", "id", "客户编号", "行号", "row", "status", "处理结果", "code", "reason", "原因",
    "createdat", "创建时间", "updatedat", "更新时间", "lastcontact", "最近联系", "lastfollowup",
    "最近跟进", "lastfollowupat", "最近跟进时间", "nextstep", "下一步", "nextfollowup", "下次跟进",
    "team", "团队", "morecontacts", "其他联系人",
))  # fmt: skip

_HEADER_LOOKUP: dict[str, str] = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_BRACKETED = re.compile(r"[(\[（【<《].*?[)\]）】>》]")
_NOISE = re.compile(r"[\s_\-.:：*＊/\\'\"·]+")


class HeaderError(ValueError):
    """The columns cannot be mapped: no name column, an unknown field in ``--map``, a header not found."""


def header_key(header: object) -> str:
    """The comparable form of a header: ``' 客户名称（必填）*'`` → ``客户名称``, ``'E-mail'`` → ``email``."""
    text = unicodedata.normalize("NFKC", str(header or "")).casefold().strip()
    text = _BRACKETED.sub("", text)
    return _NOISE.sub("", text)


def field_for_header(header: object) -> str | None:
    """The canonical field a header names, ``IGNORE`` for known bookkeeping columns, else ``None``."""
    key = header_key(header)
    if not key:
        return None
    if key in _HEADER_LOOKUP:
        return _HEADER_LOOKUP[key]
    return IGNORE if key in _KNOWN_IGNORED else None


def parse_map_option(text: str) -> dict[str, str]:
    """Parse ``--map 'Kunde=name,Telefon=phone,Spalte X=ignore'`` into ``{header_key: field}``.

    The right-hand side is a canonical field (``name``, ``phone``, ``contact_name`` … see ``FIELDS``), any
    header alias of one (``电话``), or ``ignore`` / ``-`` to skip a column. Raises ``HeaderError``.
    """
    mapping: dict[str, str] = {}
    for part in re.split(r"[,，;；\n]", unicodedata.normalize("NFKC", text)):
        if not part.strip():
            continue
        header, sep, target = part.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise HeaderError(f"--map expects Header=field pairs separated by commas, got {part.strip()!r}")
        target_key = header_key(target)
        if target_key in ("ignore", "-", "skip", "忽略"):
            field = IGNORE
        elif target.strip() in FIELDS:
            field = target.strip()
        elif target_key in _HEADER_LOOKUP:
            field = _HEADER_LOOKUP[target_key]
        else:
            raise HeaderError(f"--map: unknown field {target.strip()!r}; fields are: {', '.join(FIELDS)}, ignore")
        mapping[header_key(header)] = field
    return mapping


@dataclass(frozen=True)
class HeaderMap:
    """Where each field is read from.

    ``columns`` lists ``(column_index, field)`` in sheet order; a field may come from several columns (电话
    and 手机): the first non-empty one wins. ``ignored`` are headers that matched no field.
    """

    header_row: int
    headers: tuple[str, ...]
    columns: tuple[tuple[int, str], ...]
    ignored: tuple[str, ...]

    @property
    def fields(self) -> frozenset[str]:
        """The fields present in the file."""
        return frozenset(field for _, field in self.columns)

    def describe(self) -> list[str]:
        """One ``header → field`` line per mapped column, for the import summary."""
        return [f"{self.headers[index]} → {field}" for index, field in self.columns]


def map_headers(headers: Sequence[object], header_row: int, overrides: Mapping[str, str] | None = None) -> HeaderMap:
    """Map one header row to fields; ``overrides`` come from ``parse_map_option``.

    Raises ``HeaderError`` when an override names a header the file does not have, or when no column
    holds the customer name.
    """
    overrides = dict(overrides or {})
    texts = tuple("" if h is None else str(h).strip() for h in headers)
    keys = [header_key(h) for h in texts]
    missing = [key for key in overrides if key not in keys]
    if missing:
        raise HeaderError(f"--map names columns this file does not have: {', '.join(missing)} "
                          f"(headers: {', '.join(t for t in texts if t)})")
    columns: list[tuple[int, str]] = []
    ignored: list[str] = []
    for index, key in enumerate(keys):
        if not key:
            continue
        field = overrides.get(key) or field_for_header(texts[index])
        if field is None:
            ignored.append(texts[index])
        elif field != IGNORE:
            columns.append((index, field))
    if not any(field == "name" for _, field in columns):
        raise HeaderError(
            "no column holds the customer name (looked for 客户名称 / 公司 / 名称 / name / company …); "
            f"headers found: {', '.join(t for t in texts if t) or '(none)'}; use --map 'YourHeader=name'"
        )
    return HeaderMap(header_row, texts, tuple(columns), tuple(ignored))


def header_score(row: Sequence[object], overrides: Mapping[str, str] | None = None) -> int:
    """How many cells of ``row`` are recognised headers (to find the header row under a title row)."""
    overrides = overrides or {}
    score = 0
    for cell in row:
        key = header_key(cell)
        if key and (key in overrides or key in _HEADER_LOOKUP):
            score += 1
    return score


def names_the_customer(row: Sequence[object], overrides: Mapping[str, str] | None = None) -> bool:
    """Whether ``row`` has a header that maps to the customer name."""
    overrides = overrides or {}
    for cell in row:
        key = header_key(cell)
        if overrides.get(key) == "name" or (key not in overrides and _HEADER_LOOKUP.get(key) == "name"):
            return True
    return False
