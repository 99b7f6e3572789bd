"""`survey` (调查): a signed, single-use satisfaction survey link for a customer (and a contact, an order)."""

from __future__ import annotations

import re

from sqlmodel import func, select

from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply
from bot.services.people import language_code, require_changeable, when_at
from bot.services.surveys import create_survey_link
from bot.text.when import format_when
from storage.models import Contact, Customer, Order

_ORDER_REF = re.compile(r"^#?(\d{1,12})$")


def _contact(ctx: CommandContext, customer: Customer, name: str | None) -> Contact | None:
    if not name:
        return None
    found = ctx.session.exec(
        select(Contact)
        .where(Contact.customer_id == customer.id, Contact.deleted_at.is_(None),
               func.lower(Contact.name) == name.strip().lower())
        .order_by(Contact.id)
    ).first()
    if found is None:
        raise UserError("surveys:contact_not_found", customer=customer, name=name)
    return found


def _order_id(ctx: CommandContext, customer: Customer, ref: str | None) -> int | None:
    if not ref:
        return None
    match = _ORDER_REF.match(ref.strip())
    order = ctx.session.get(Order, int(match[1])) if match else None
    if order is None or order.customer_id != customer.id or order.deleted_at is not None:
        raise UserError("surveys:order_not_found", customer=customer, ref=ref)
    return order.id


def _survey(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    contact = _contact(ctx, customer, cmd.get("contact"))
    order_id = _order_id(ctx, customer, cmd.options.get("order"))
    lang = None
    if "lang" in cmd.options:
        lang = language_code(str(cmd.options["lang"]))
        if lang is None:
            raise UserError("surveys:bad_lang", value=cmd.options["lang"])
    link = create_survey_link(ctx.session, settings=ctx.settings, creator=ctx.user, customer=customer,
                              contact=contact, order_id=order_id, lang=lang, now=ctx.now)
    ctx.audit("create", "survey_invite", link.invite_id,
              after={"customer_id": customer.id, "contact_id": contact.id if contact else None,
                     "order_id": order_id, "expires_at": link.expires_at})
    expires = format_when(when_at(link.expires_at, ctx.tz, has_time=False), ctx.lang)
    return Reply(text=ctx.t("surveys:link_created", customer=customer, contact=contact, url=link.url,
                            expires=expires, scale=link.scale, local_only=not ctx.settings.http.public_url))


SPECS = (
    CommandSpec(
        name="survey",
        aliases=("调查", "满意度", "满意度调查", "回访调查"),
        summary={"en": "a satisfaction survey link to send a customer (one answer, expires)",
                 "zh": "生成满意度调查链接发给客户（只能提交一次，会过期）"},
        handler=_survey,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("contact", ArgKind.WORD, required=False, max_length=120)),
        options=(
            Option("order", aliases=("订单",), max_length=20),
            Option("lang", aliases=("语言",), max_length=10),
        ),
        examples=("survey Acme", "survey Acme \"Li Lei\" order:#7", "调查 阿里巴巴 王总 语言:英文"),
    ),
)
