"""`contact`: add, edit or list the key contacts (关键联系人) of a customer."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from bot.calendar.birthday_model import MAX_BIRTH_YEAR, MIN_BIRTH_YEAR
from bot.calendar.birthdays import Birthday, BirthdayError, format_birthday, parse_birthday
from bot.calendar.lunar import lunar_to_solar
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.people import language_code, require_changeable
from bot.text.identity import fold_chinese, normalize_email, normalize_phone
from storage.models import Contact, Customer

MAX_CONTACTS_LISTED = 30
# A last word after the contact's name that removes it or brings it back (`contact Acme Zhang Wei delete`).
_ACTION_WORDS = {"delete": "delete", "remove": "delete", "删除": "delete", "删掉": "delete", "移除": "delete",
                 "restore": "restore", "undelete": "restore", "恢复": "restore"}

CONTACT_OPTIONS: tuple[Option, ...] = (
    Option("title", aliases=("职位", "职务", "头衔", "role"), max_length=120),
    Option("phone", aliases=("电话", "手机", "tel", "mobile", "手机号"), max_length=40, absorbs_digit_groups=True),
    Option("email", aliases=("邮箱", "mail", "邮件"), max_length=200),
    # "birthday:lunar 3-5": the digit group after "lunar" belongs to the value.
    Option("birthday", aliases=("生日", "bday", "birth"), max_length=40, absorbs_digit_groups=True),
    Option("lang", aliases=("语言", "language", "greeting"), max_length=10),
)
_TRACKED = ("name", "title", "phone", "email", "birthday_month", "birthday_day", "birthday_is_lunar",
            "birthday_is_leap_month", "birthday_year", "greeting_language")


def contact_values(options: dict[str, Any], *, today: date) -> dict[str, Any]:
    """Validate ``key:value`` options into Contact columns; raises UserError naming the bad value."""
    values: dict[str, Any] = {}
    for key, raw in options.items():
        text = str(raw).strip()
        if key == "title":
            values["title"] = text or None
        elif key == "phone":
            phone = normalize_phone(text)
            if phone is None:
                raise UserError("bad_phone", value=text)
            values["phone"] = phone
        elif key == "email":
            email = normalize_email(text)
            if email is None:
                raise UserError("bad_email", value=text)
            values["email"] = email
        elif key == "birthday":
            values.update(_birthday_columns(text, today=today))
        elif key == "lang":
            language = language_code(text)
            if language is None:
                raise UserError("bad_choice", name="lang", value=text, choices="zh, en")
            values["greeting_language"] = language
        else:
            fields = ", ".join(o.name for o in CONTACT_OPTIONS)
            raise UserError("unknown_field", field=key, fields=fields)
    return values


def _birthday_columns(text: str, *, today: date) -> dict[str, Any]:
    try:
        birthday = parse_birthday(text)
    except BirthdayError as exc:
        if exc.reason == "no_leap_month":
            raise UserError("contacts:no_leap_month", value=text) from None
        if exc.reason == "bad_year":
            raise UserError("contacts:bad_birth_year", value=text, first=MIN_BIRTH_YEAR,
                            last=MAX_BIRTH_YEAR) from None
        raise UserError("bad_birthday", value=text) from None
    if birthday.year is not None and _birth_date(birthday) > today:
        raise UserError("contacts:future_birthday", value=text)
    return {
        "birthday_month": birthday.month,
        "birthday_day": birthday.day,
        "birthday_is_lunar": birthday.is_lunar,
        "birthday_is_leap_month": birthday.is_leap_month,
        "birthday_year": birthday.year,
    }


def _birth_date(birthday: Birthday) -> date:
    assert birthday.year is not None
    if birthday.is_lunar:
        return lunar_to_solar(birthday.year, birthday.month, birthday.day, birthday.is_leap_month)
    return date(birthday.year, birthday.month, birthday.day)


def birthday_of(contact: Contact) -> Birthday | None:
    """The stored birthday of a contact, or None when it has none."""
    if not (contact.birthday_month and contact.birthday_day):
        return None
    return Birthday(month=contact.birthday_month, day=contact.birthday_day, is_lunar=contact.birthday_is_lunar,
                    is_leap_month=contact.birthday_is_leap_month, year=contact.birthday_year)


def _contacts_of(ctx: CommandContext, customer: Customer) -> list[Contact]:
    statement = (select(Contact)
                 .where(Contact.customer_id == customer.id, Contact.deleted_at.is_(None))
                 .order_by(Contact.id))
    return list(ctx.session.exec(statement).all())


def _snapshot(contact: Contact) -> dict[str, Any]:
    return {field: getattr(contact, field) for field in _TRACKED}


def _line(ctx: CommandContext, contact: Contact) -> dict[str, Any]:
    birthday = birthday_of(contact)
    return {"contact": contact, "birthday": format_birthday(birthday, ctx.lang) if birthday else None}


def _trailing_action(name: str) -> tuple[str, str | None]:
    """``张伟 删除`` → (``张伟``, ``delete``): a delete or restore word after the contact's name."""
    head, _, last = name.rpartition(" ")
    action = _ACTION_WORDS.get(last.casefold()) if head.strip() else None
    return (head.strip(), action) if action else (name, None)


def _remove(ctx: CommandContext, customer: Customer, name: str) -> Reply:
    """Soft-delete the live contact called `name` (audited; `… restore` brings it back)."""
    contact = next((c for c in _contacts_of(ctx, customer) if c.name.casefold() == name.casefold()), None)
    if contact is None:
        raise UserError("contacts:no_such_contact", name=name, customer=customer.name, id=customer.id)
    contact.deleted_at = ctx.now
    contact.updated_at = ctx.now
    ctx.session.add(contact)
    ctx.audit("delete", "contact", contact.id, before={"customer_id": customer.id, **_snapshot(contact)})
    return _touched(ctx, customer, ctx.t("contacts:removed", customer=customer, name=contact.name))


def _restore(ctx: CommandContext, customer: Customer, name: str) -> Reply:
    """Bring back the most recently removed contact called `name`, unless a live one has that name."""
    if any(c.name.casefold() == name.casefold() for c in _contacts_of(ctx, customer)):
        raise UserError("contacts:already_live", name=name, customer=customer.name)
    removed = ctx.session.exec(
        select(Contact).where(Contact.customer_id == customer.id, Contact.deleted_at.is_not(None))
        .order_by(Contact.deleted_at.desc(), Contact.id.desc())
    ).all()
    contact = next((c for c in removed if c.name.casefold() == name.casefold()), None)
    if contact is None:
        raise UserError("contacts:no_such_contact", name=name, customer=customer.name, id=customer.id)
    contact.deleted_at = None
    contact.updated_at = ctx.now
    ctx.session.add(contact)
    ctx.audit("restore", "contact", contact.id, after={"customer_id": customer.id, **_snapshot(contact)})
    return _touched(ctx, customer, ctx.t("contacts:restored", customer=customer, item=_line(ctx, contact)))


def _touched(ctx: CommandContext, customer: Customer, text: str) -> Reply:
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=text)


def _contact(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    name, action = _trailing_action((cmd.get("name") or "").strip())
    if action is not None:
        if cmd.options:
            raise UserError("contacts:action_with_fields", name=name)
        require_changeable(ctx.session, ctx.user, customer)
        return _remove(ctx, customer, name) if action == "delete" else _restore(ctx, customer, name)
    values = contact_values(dict(cmd.options), today=ctx.today)
    if not name:
        if values:
            raise UserError("contacts:name_required")
        contacts = _contacts_of(ctx, customer)
        return Reply(text=ctx.t("contacts:listing", customer=customer,
                                lines=[_line(ctx, c) for c in contacts[:MAX_CONTACTS_LISTED]],
                                more=max(len(contacts) - MAX_CONTACTS_LISTED, 0)))
    require_changeable(ctx.session, ctx.user, customer)
    # A contact is the same person in simplified or traditional characters (張偉 = 张伟).
    same = fold_chinese(name.casefold())
    existing = next((c for c in _contacts_of(ctx, customer) if fold_chinese(c.name.casefold()) == same), None)
    if existing is None:
        contact = Contact(customer_id=customer.id, name=name, created_at=ctx.now, updated_at=ctx.now, **values)
        ctx.session.add(contact)
        ctx.session.flush()
        ctx.audit("create", "contact", contact.id, after={"customer_id": customer.id, **_snapshot(contact)})
        key = "contacts:added"
    else:
        if not values:
            raise UserError("contacts:nothing_to_change", name=existing.name)
        contact = existing
        before = _snapshot(contact)
        for column, value in values.items():
            setattr(contact, column, value)
        contact.updated_at = ctx.now
        ctx.session.add(contact)
        after = _snapshot(contact)
        changed = {k: v for k, v in after.items() if before[k] != v}
        ctx.audit("update", "contact", contact.id, before={k: before[k] for k in changed}, after=changed)
        key = "contacts:updated"
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t(key, customer=customer, item=_line(ctx, contact)))


SPECS = (
    CommandSpec(
        name="contact",
        aliases=("联系人", "contacts", "关键联系人"),
        summary={"en": "add or edit a key contact of a customer; without a name, list them; "
                       "\"<name> delete\" removes one (\"<name> restore\" brings it back)",
                 "zh": "添加或修改客户的关键联系人；不写姓名则列出联系人；「<姓名> 删除」移除（「<姓名> 恢复」找回）"},
        handler=_contact,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("name", ArgKind.TEXT, required=False, max_length=120)),
        options=CONTACT_OPTIONS,
        # Unknown keys reach the handler, which names them, instead of silently joining the name.
        allow_any_option=True,
        examples=(
            "contact Acme Zhang Wei title:CEO phone:13800138000 birthday:1985-03-02",
            "联系人 albb 王芳 职位:采购经理 生日:农历三月初五",
            'contact #12 "Li Lei" birthday:"lunar 3-5" lang:en',
            "contact Acme",
            "contact Acme Zhang Wei delete",
            "联系人 华东机械 张伟 删除",
        ),
    ),
)
