"""Customer commands: new, find, show, edit, delete, restore."""

from __future__ import annotations

from typing import Any

from bot.actions import button, command_text, ref
from bot.cards import customer_card
from bot.commands.fields import CUSTOMER_OPTIONS, FORCE_OPTION, customer_values
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.labels import describe_changes, value_label
from bot.messages import Card, Reply
from bot.render import Markdown
from bot.services.customers import find_duplicates, search_keys, search_page
from storage.models import Customer

FIND_PAGE_SIZE = 10
# Matches are counted up to here (a page of the search each time); past it the answer says "100 or more".
FIND_COUNT_LIMIT = 100

TRACKED = ("name", "phone", "email", "kind", "industry", "region", "address", "source", "tags", "tier",
           "stage", "notes", "timezone", "owner_id", "team_id")


def snapshot(customer: Customer) -> dict[str, Any]:
    """The audited fields of a customer."""
    return {field: getattr(customer, field) for field in TRACKED}


def _new(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    name = cmd.get("name", "").strip()
    values = customer_values(cmd.options)
    name = values.pop("name", None) or name
    if not name:
        raise UserError("name_required")
    forced = "force" in cmd.options
    if not forced:
        duplicates = find_duplicates(
            ctx.session, user=ctx.user, name=name, phone=values.get("phone"), email=values.get("email")
        )
        if duplicates:
            return Reply(
                text=ctx.render("duplicate_warning", name=name, duplicates=duplicates,
                                force_command=Markdown(_force_command(cmd))),
                ok=False,
            )
    if "tier" in values:
        values["tier_manual"] = True
    customer = Customer(
        tenant=ctx.tenant,
        name=name,
        owner_id=ctx.user.id,
        team_id=ctx.user.team_id,
        created_at=ctx.now,
        updated_at=ctx.now,
        **search_keys(name, person=values.get("kind") == "person").__dict__,
        **values,
    )
    ctx.session.add(customer)
    ctx.session.flush()
    ctx.audit("create", "customer", customer.id, after=snapshot(customer))
    return Reply(text=ctx.t("created", customer=customer), card=customer_card(ctx, customer, new=True))


def _force_command(cmd: ParsedCommand) -> str:
    """The same `new` line with ``force:yes`` appended, for the user to copy (``确认:是`` after a Chinese
    command word, with the Chinese keys)."""
    lang = "zh" if not cmd.alias_used.isascii() else "en"
    parts = []
    for key, value in cmd.options.items():
        option = cmd.spec.option_named(key)
        shown = value_label(key, str(value), lang) if option is not None and option.choices else str(value)
        label = option.label(lang) if option is not None else key
        parts.append(f'{label}:"{shown}"' if " " in shown else f"{label}:{shown}")
    name = cmd.get("name", "")
    name = f'"{name}"' if " " in name else name
    force = "确认:是" if lang == "zh" else "force:yes"
    return " ".join(part for part in (cmd.alias_used, name, " ".join(parts), force) if part)


def _find(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    """One page of matches, how many matched in all (counted up to `FIND_COUNT_LIMIT`), and a Next button."""
    query = cmd.get("query")
    page = cmd.get("page") or 1
    if page < 1:
        raise UserError("bad_number", name="page", value=page)
    found = search_page(ctx.session, user=ctx.user, query=query, page_size=FIND_PAGE_SIZE, page=page,
                        count_limit=FIND_COUNT_LIMIT)
    if not found.total:
        return Reply(text=ctx.t("no_results", query=query), ok=False)
    pages = -(-found.total // FIND_PAGE_SIZE)
    if not found.customers:
        raise UserError("page_past_end", page=page, pages=pages)
    first = (page - 1) * FIND_PAGE_SIZE
    shown = found.customers
    more = page < pages or (found.capped and len(shown) == FIND_PAGE_SIZE)
    text = ctx.render("find_results", query=query, customers=shown, now=ctx.now, tz=ctx.tz, total=found.total,
                      capped=found.capped, first=first + 1, last=first + len(shown),
                      page=page, next=command_text(ref("find_page", query=query, page=page + 1), ctx.lang) if more else "")
    if not more:
        return Reply(text=text)
    next_page = button(ctx.lang, "find_page", query=query, page=page + 1)
    return Reply(text=text, card=Card(title="", actions=(next_page,)))


def _show(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer = cmd.get("customer")
    return Reply(card=customer_card(ctx, customer))


def _edit(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    values = customer_values(cmd.options)
    if not values:
        raise UserError("nothing_to_change")
    before = snapshot(customer)
    for key, value in values.items():
        setattr(customer, key, value)
    if "name" in values or "kind" in values:
        for key, value in search_keys(customer.name, person=customer.kind == "person").__dict__.items():
            setattr(customer, key, value)
    if "tier" in values:
        customer.tier_manual = True
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    after = snapshot(customer)
    changed = {k: v for k, v in after.items() if before[k] != v}
    ctx.audit("update", "customer", customer.id, before={k: before[k] for k in changed}, after=changed)
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    changes = describe_changes(changed, ctx.lang)
    return Reply(text=ctx.t("updated", customer=customer, changes=changes), card=customer_card(ctx, customer))


def _delete(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    customer.deleted_at = ctx.now
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.audit("delete", "customer", customer.id, before=snapshot(customer))
    # Its reminders, next steps and pushes wait with it (none is sent while it is deleted; `restore` brings
    # them back); its shared cards show that it was deleted.
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant, why="deleted"))
    return Reply(text=ctx.t("deleted", customer=customer))


def _restore(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    from bot.services.customers import resolve_customer
    from bot.text.words import Word

    customer, _ = resolve_customer(ctx.session, user=ctx.user, words=[Word(cmd.get("customer"), False)], include_deleted=True)
    if customer.merged_into_id is not None:  # its records live in the other customer now: `unmerge` brings them
        raise UserError("merging:restore_merged", customer=customer, keep=customer.merged_into_id)
    customer.deleted_at = None
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.audit("restore", "customer", customer.id, after=snapshot(customer))
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant, why="restored"))
    return Reply(text=ctx.t("restored", customer=customer))


SPECS = (
    CommandSpec(
        name="new",
        aliases=("新建", "新客户", "添加客户", "新建客户", "create", "add"),
        summary={"en": "create a customer (warns about likely duplicates)", "zh": "新建客户（会提示可能重复的客户）"},
        handler=_new,
        args=(Arg("name", ArgKind.TEXT, max_length=200),),
        options=(*CUSTOMER_OPTIONS, FORCE_OPTION),
        examples=("new Acme Trading phone:13800138000 industry:retail", "新建 阿里巴巴 电话:13800138000 行业:电商"),
    ),
    CommandSpec(
        name="find",
        aliases=("查找", "搜索", "查询", "search", "查"),
        summary={"en": "search by name, pinyin initials, phone, email or tag", "zh": "按名称、拼音首字母、电话、邮箱或标签搜索"},
        handler=_find,
        args=(Arg("query", ArgKind.TEXT, max_length=200),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("find acme", "查找 albb", "find 13800138000", "find acme page:2", "查找 阿里 页:2"),
        writes=False,
    ),
    CommandSpec(
        name="show",
        aliases=("查看", "客户", "card", "详情"),
        summary={"en": "the customer card: profile, next step, latest follow-ups, churn risk", "zh": "客户资料卡：资料、下一步、最近跟进、流失风险"},
        handler=_show,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        examples=("show Acme", "查看 #12", "查看 albb"),
        writes=False,
    ),
    CommandSpec(
        name="edit",
        aliases=("修改", "编辑", "update"),
        summary={"en": "change fields of a customer", "zh": "修改客户字段"},
        handler=_edit,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        options=CUSTOMER_OPTIONS,
        examples=("edit Acme tier:vip phone:13800138000", "修改 #12 等级:重点 地区:杭州"),
    ),
    CommandSpec(
        name="delete",
        aliases=("删除", "remove"),
        summary={"en": "delete a customer (restorable)", "zh": "删除客户（可恢复）"},
        handler=_delete,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        examples=("delete #12", "删除 阿里巴巴"),
    ),
    CommandSpec(
        name="restore",
        aliases=("恢复", "undelete"),
        summary={"en": "restore a deleted customer", "zh": "恢复已删除的客户"},
        handler=_restore,
        args=(Arg("customer", ArgKind.WORD),),
        examples=("restore #12", "恢复 #12"),
    ),
)
