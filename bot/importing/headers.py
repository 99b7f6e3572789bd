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
    "name", "company", "kind", "industry", "region", "province", "city", "district", "country", "address",
    "postal_code", "phone", "email", "source", "tags", "owner", "tier", "stage", "notes", "timezone",
    "tier_source", "last_contact", "next_followup", "next_step", "followup", "followup_at", "created", "crm_id",
    "orders", "deals", "keep",
)  # fmt: skip
CONTACT_FIELDS: tuple[str, ...] = ("contact_name", "first_name", "last_name", "contact_title", "contact_phone",
                                   "contact_email", "birthday", "more_contacts")
FIELDS: tuple[str, ...] = CUSTOMER_FIELDS + CONTACT_FIELDS
IGNORE = "ignore"
# What each field becomes, for the summary (fields not listed are the customer's own column of that name).
FIELD_MEANINGS: dict[str, str] = {
    "company": "name (the customer; people in the row become its contacts)",
    "province": "region", "city": "region", "district": "region", "country": "region", "postal_code": "address",
    "last_contact": "last_contact_at", "next_followup": "open next step with its reminder",
    "next_step": "open next step", "followup": "follow-up dated from the file", "followup_at": "follow-up date",
    "created": "created_at",
    "crm_id": "matched first (crmbot export id)", "keep": "kept in the notes",
    "tier_source": "tier_manual", "orders": "orders", "deals": "deals (商机) with their stage",
    "first_name": "contact_name", "last_name": "contact_name", "more_contacts": "contacts",
}  # fmt: skip

# Header spellings per field, written as the normalised key (see `header_key`).
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customername", "account", "accountname", "organization", "organisation",
             "organizationname", "organisationname", "客户名称", "客户名", "客户", "公司名称", "客户全称",
             "全称", "单位", "单位名称", "名称", "客户姓名", "姓名"),
    "company": ("company", "companyname", "公司", "公司名", "企业", "企业名称", "associatedcompany",
                "personorganization", "所属公司", "所属客户", "accountid"),
    "kind": ("kind", "customertype", "类型", "客户类型", "客户性质", "accounttype", "type", "客户属性"),
    "industry": ("industry", "sector", "vertical", "行业", "所属行业", "行业类别", "industrytype"),
    "region": ("region", "area", "location", "地区", "区域", "省市", "所在地", "所在地区", "所在城市",
               "staterregion", "省市区"),
    "province": ("province", "state", "stateregion", "stateprovince", "billingstate", "billingstateprovince",
                 "mailingstate", "mailingstateprovince", "省", "省份", "所在省份"),
    "city": ("city", "billingcity", "mailingcity", "市", "城市", "所在城市"),
    "district": ("district", "county", "区", "区县", "县区"),
    "country": ("country", "countryregion", "billingcountry", "mailingcountry", "国家", "国家地区"),
    "address": ("address", "streetaddress", "street", "billingstreet", "mailingstreet", "organizationaddress",
                "地址", "详细地址", "公司地址", "联系地址", "办公地址", "街道地址", "billingaddress"),
    "postal_code": ("postalcode", "zip", "zipcode", "billingzippostalcode", "billingpostalcode", "billingcode",
                    "mailingzippostalcode", "mailingpostalcode", "邮编", "邮政编码"),
    "phone": ("phone", "mobile", "tel", "telephone", "phonenumber", "mobilephone", "mobilenumber", "cell",
              "cellphone", "mobilephonenumber", "电话", "手机", "手机号", "手机号码", "电话号码", "联系电话",
              "联系方式", "座机", "固话", "客户电话", "备注电话", "备注手机号", "公司电话", "办公电话"),
    "email": ("email", "mail", "emailaddress", "邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "客户邮箱"),
    "source": ("source", "leadsource", "channel", "accountsource", "originalsource", "originalsourcetype",
               "来源", "客户来源", "线索来源", "渠道", "添加渠道", "来源渠道"),
    "tags": ("tags", "tag", "labels", "label", "标签", "客户标签", "企业标签", "个人标签", "organizationlabel",
             "personlabel", "rating", "leadstatus", "客户状态标签"),
    "owner": ("owner", "rep", "salesrep", "salesperson", "accountowner", "assignedto", "负责人", "销售",
              "销售员", "归属销售", "业务员", "客户经理", "跟进人", "所属销售", "客户负责人", "归属人",
              "companyowner", "contactowner", "ownerid", "recordowner", "organizationowner", "personowner",
              "添加人", "所属员工", "负责人姓名", "负责人账号", "添加人账号"),
    "tier_source": ("tiersetby", "tiersource", "等级来源"),
    "tier": ("tier", "level", "grade", "priority", "等级", "客户等级", "级别", "客户级别", "客户分级", "客户价值"),
    "stage": ("stage", "lifecyclestage", "阶段", "客户阶段", "生命周期", "客户状态", "成交状态", "跟进状态",
              "销售阶段", "客户生命周期"),
    "notes": ("notes", "note", "remark", "remarks", "comment", "comments", "description", "备注", "说明",
              "备注信息", "描述", "客户描述", "客户备注"),
    "timezone": ("timezone", "tz", "时区"),
    "last_contact": ("lastcontact", "lastactivitydate", "lastactivity", "lastactivitytime", "lastcontacted",
                     "lastengagementdate", "personlastactivitydate", "organizationlastactivitydate",
                     "最近联系", "最近跟进时间", "最后跟进时间", "最近联系时间", "最后联系时间", "上次跟进时间",
                     "最后跟进日期", "最近跟进日期", "lastfollowupat"),
    "next_followup": ("nextactivitydate", "nextactivity", "nextactivitytime", "nextfollowup", "nextfollowupat",
                      "personnextactivitydate", "organizationnextactivitydate", "下次跟进", "下次跟进时间",
                      "下次联系时间", "下次跟进日期", "下次回访时间", "计划跟进时间"),
    "next_step": ("nextstep", "下一步", "下一步计划", "下次跟进内容", "跟进计划"),
    "followup": ("lastfollowup", "最近跟进", "跟进记录", "跟进内容", "最近跟进记录", "最新跟进记录",
                 "最近跟进内容", "lastactivitynote", "lastnote"),
    "created": ("createdat", "createdate", "createddate", "createdtime", "addtime", "personaddtime",
                "organizationaddtime", "创建时间", "添加时间", "创建日期", "录入时间"),
    "keep": ("wechat", "微信", "微信号", "weixin", "website", "websiteurl", "companydomainname", "domain",
             "网址", "公司网址", "annualrevenue", "年收入", "numberofemployees", "employees", "员工数",
             "合同金额", "成交金额", "累计成交金额", "fax", "传真", "qq", "所属部门", "部门", "department",
             "性别", "gender", "协作人", "协同人", "备注名", "parentaccount", "parentaccountid"),
    "contact_name": ("contact", "contactname", "contactperson", "keycontact", "联系人", "联系人姓名",
                     "关键联系人", "联系人名称", "personname", "fullname"),
    "first_name": ("firstname", "givenname", "personfirstname", "名"),
    "last_name": ("lastname", "surname", "familyname", "personlastname", "姓"),
    "contact_title": ("title", "jobtitle", "position", "role", "contacttitle", "职位", "职务", "联系人职位",
                      "联系人职务", "头衔", "personjobtitle"),
    "contact_phone": ("contactphone", "contactmobile", "联系人电话", "联系人手机", "联系人手机号", "personphone"),
    "contact_email": ("contactemail", "联系人邮箱", "联系人邮件", "personemail"),
    "birthday": ("birthday", "dob", "dateofbirth", "birthdate", "生日", "出生日期", "联系人生日", "生辰",
                 "personbirthday"),
    "more_contacts": ("morecontacts", "其他联系人"),
    "orders": ("orders", "订单", "订单记录"),
    "deals": ("deals", "opportunities", "商机", "商机记录"),
}  # fmt: skip

# Headers that are known and deliberately not imported: row numbers, vendors' record ids, and the bookkeeping
# columns of our own error file and export (so either can be fixed up and imported again).
_KNOWN_IGNORED = frozenset((
    "序号", "no", "#", "id", "编号", "客户编号", "行号", "row", "status", "处理结果", "code", "reason", "原因",
    "updatedat", "更新时间", "最后修改时间", "modifiedtime", "lastmodifieddate", "team", "团队", "recordid",
    "accountnumber", "personid", "organizationid", "创建人", "修改人", "visibleto", "personvisibleto",
    "organizationvisibleto", "salutation", "称呼", "marketingcontactstatus", "associatedcompanyids",
    "organizationpeople", "organizationopendeals", "organizationwondeals", "organizationtotalactivities",
    "personopendeals", "personwondeals", "persontotalactivities", "accountsite", "sic", "siccode", "ownership",
    "shippingstreet", "shippingcity", "shippingstate", "shippingcode", "shippingcountry", "shippingzippostalcode",
    "shippingstateprovince", "添加人账号id", "外部联系人id", "unionid", "userid", "客户id",
))  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """A vendor's export layout: recognised by its signature headers; its own meaning of some headers wins
    over the generic aliases; ``contacts``: each row is a person, its phone and e-mail are the contact's."""

    name: str
    signature: frozenset[str]
    headers: Mapping[str, str]
    contacts: bool = False


_CONTACT_OVERRIDES = {"phone": "contact_phone", "phonenumber": "contact_phone", "mobile": "contact_phone",
                      "mobilephone": "contact_phone", "mobilephonenumber": "contact_phone", "email": "contact_email",
                      "emailaddress": "contact_email", "name": "contact_name"}  # fmt: skip
PROFILES: tuple[Profile, ...] = (
    Profile("crmbot export", frozenset(("morecontacts", "lastfollowupat", "nextfollowup", "其他联系人", "下次跟进",
                                        "最近跟进时间", "团队", "team", "tiersetby", "等级来源")),
            {"id": "crm_id", "编号": "crm_id", "最近跟进时间": "followup_at", "lastfollowupat": "followup_at",
             "最近联系": "last_contact", "lastcontact": "last_contact"}),
    Profile("HubSpot contacts", frozenset(("firstname", "lastname", "contactowner", "lifecyclestage", "companyname",
                                           "phonenumber", "lastactivitydate", "recordid")),
            {**_CONTACT_OVERRIDES, "companyname": "company"}, contacts=True),
    Profile("HubSpot companies", frozenset(("companyname", "companydomainname", "companyowner", "lifecyclestage",
                                            "numberofemployees", "recordid")),
            {"companyname": "name", "type": "stage"}),
    Profile("Salesforce Contact", frozenset(("firstname", "lastname", "accountname", "accountid", "mailingstreet",
                                             "mailingcity", "mobilephone", "contactowner", "birthdate", "ownerid")),
            {**_CONTACT_OVERRIDES, "accountname": "company", "accountid": "company"}, contacts=True),
    Profile("Salesforce Account", frozenset(("accountname", "billingstreet", "billingcity", "accountowner",
                                             "accountsource", "annualrevenue", "ownerid", "numberofemployees",
                                             "accountnumber")),
            {"type": "stage", "accounttype": "stage", "name": "name"}),
    Profile("Zoho Accounts", frozenset(("accountname", "accountowner", "accountsite", "accounttype",
                                        "billingcode", "lastactivitytime", "createdtime")),
            {"accounttype": "stage"}),
    Profile("Pipedrive persons", frozenset(("personname", "personorganization", "personemail", "personphone",
                                            "personowner", "personlabel")),
            {"personname": "contact_name", "personorganization": "company"}, contacts=True),
    Profile("Pipedrive organizations", frozenset(("organizationname", "organizationowner", "organizationaddress",
                                                  "organizationlabel", "organizationpeople")), {}),
    Profile("企业微信", frozenset(("添加人", "添加时间", "企业标签", "备注名", "添加渠道", "备注电话", "客户类型")),
            {"客户类型": "kind"}),
    Profile("纷享销客", frozenset(("客户级别", "成交状态", "所属部门", "最后跟进时间", "客户编号", "详细地址")), {}),
    Profile("钉钉客户管理", frozenset(("客户状态", "协同人", "最近跟进时间", "下次跟进时间", "客户来源", "客户级别",
                                  "创建人")), {}),
    Profile("客户台账", frozenset(("客户名称", "联系人", "手机", "微信", "所属行业", "客户等级", "负责人", "合同金额",
                                "最近跟进时间", "下次跟进时间")), {}),
)  # fmt: skip


GENERIC_PROFILE = "客户台账"  # the headers every Chinese sheet has: a vendor's own headers outrank them


def detect_profile(keys: Sequence[str]) -> Profile | None:
    """The vendor layout ``keys`` (normalised headers) look like: the profile with most signature headers
    present, at least two of them. A vendor whose own headers (in no other profile's signature) show at least
    twice wins over the generic 客户台账, whose headers (客户名称, 联系人, 手机 …) every Chinese export has too."""
    present = set(keys)
    vendors = [(len(_own_headers(profile) & present), len(profile.signature & present), -index, profile)
               for index, profile in enumerate(PROFILES) if profile.name != GENERIC_PROFILE]
    vendor = max(vendors, key=lambda item: item[:3])
    if vendor[0] >= 2:
        return vendor[3]
    scored = [(len(profile.signature & present), -index, profile) for index, profile in enumerate(PROFILES)]
    best = max(scored, key=lambda item: item[:2])
    return best[2] if best[0] >= 2 else None


def _own_headers(profile: Profile) -> frozenset[str]:
    """The signature headers of `profile` that no other profile's signature has."""
    others = frozenset().union(*(p.signature for p in PROFILES if p is not profile))
    return profile.signature - others


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


def field_for_header(header: object, profile: Profile | None = None) -> str | None:
    """The canonical field a header names (in ``profile``'s layout if given), ``IGNORE`` for known
    bookkeeping columns, else ``None``."""
    key = header_key(header)
    if not key:
        return None
    if profile is not None and key in profile.headers:
        return profile.headers[key]
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
    and 手机). ``ignored`` are headers that matched no field; ``profile`` the vendor layout recognised.
    """

    header_row: int
    headers: tuple[str, ...]
    columns: tuple[tuple[int, str], ...]
    ignored: tuple[str, ...]
    profile: str | None = None
    contacts: bool = False

    @property
    def fields(self) -> frozenset[str]:
        """The fields present in the file."""
        return frozenset(field for _, field in self.columns)

    def describe(self) -> list[str]:
        """One ``header → field`` line per mapped column, for the import summary."""
        return [f"{self.headers[index]} → {field}" for index, field in self.columns]

    def every_column(self) -> list[tuple[str, str | None]]:
        """Each column of the file in order with what it became (``None``: ignored), for the summary."""
        mapped = dict(self.columns)
        result: list[tuple[str, str | None]] = []
        for index, header in enumerate(self.headers):
            if not header:
                continue
            field = mapped.get(index)
            result.append((header, None if field is None else f"{field}" + (
                f" ({FIELD_MEANINGS[field]})" if field in FIELD_MEANINGS else "")))
        return result


# Fields that can name the customer (a people-only file names it after the person).
NAMING_FIELDS = frozenset(("name", "company", "contact_name", "first_name", "last_name"))


def map_headers(headers: Sequence[object], header_row: int, overrides: Mapping[str, str] | None = None) -> HeaderMap:
    """Map one header row to fields; ``overrides`` come from ``parse_map_option``.

    Raises ``HeaderError`` when an override names a header the file does not have, or when no column
    can name the customer.
    """
    overrides = dict(overrides or {})
    texts = tuple("" if h is None else str(h).strip() for h in headers)
    keys = [header_key(h) for h in texts]
    missing = [key for key in overrides if key not in keys]
    if missing:
        raise HeaderError(f"--map names columns this file does not have: {', '.join(missing)} "
                          f"(headers: {', '.join(t for t in texts if t)})")
    profile = detect_profile(keys)
    columns: list[tuple[int, str]] = []
    ignored: list[str] = []
    for index, key in enumerate(keys):
        if not key:
            continue
        field = overrides.get(key) or field_for_header(texts[index], profile)
        if field is None or field == IGNORE:
            ignored.append(texts[index])
        else:
            columns.append((index, field))
    found = {field for _, field in columns}
    if not found & NAMING_FIELDS:
        raise HeaderError(
            "no column holds the customer name (looked for 客户名称 / 公司 / 名称 / name / company …); "
            f"headers found: {', '.join(t for t in texts if t) or '(none)'}; use --map 'YourHeader=name'"
        )
    contacts = bool(profile and profile.contacts) or (
        "company" in found and "name" not in found and bool(found & {"contact_name", "first_name", "last_name"}))
    return HeaderMap(header_row, texts, tuple(columns), tuple(ignored), profile.name if profile else None, contacts)


def header_score(row: Sequence[object], overrides: Mapping[str, str] | None = None) -> int:
    """How many cells of ``row`` are recognised headers (to find the header row under a title row); a row
    holding a value only data has (an e-mail address, a phone number, a date) scores nothing."""
    overrides = overrides or {}
    score = 0
    for cell in row:
        text = "" if cell is None else str(cell).strip()
        if _DATA_LIKE.search(text):
            return 0
        key = header_key(text)
        if key and (key in overrides or key in _HEADER_LOOKUP or key in _KNOWN_IGNORED or key in _PROFILE_KEYS):
            score += 1
    return score


_DATA_LIKE = re.compile(r"@\w+\.\w|\d{7,}|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")
_PROFILE_KEYS = frozenset(key for profile in PROFILES for key in (*profile.signature, *profile.headers))


def names_the_customer(row: Sequence[object], overrides: Mapping[str, str] | None = None) -> bool:
    """Whether ``row`` has a header that can name the customer."""
    overrides = overrides or {}
    keys = [header_key(cell) for cell in row]
    profile = detect_profile(keys)
    for cell, key in zip(row, keys, strict=True):
        field = overrides.get(key) or field_for_header(cell, profile)
        if field in NAMING_FIELDS:
            return True
    return False
