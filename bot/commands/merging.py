"""`dupes` (查重) lists likely duplicates with a merge button each; `merge` (合并) merges one customer into
another; `unmerge` (撤销合并) undoes a merge within 30 days. Reps merge within their book, managers across
their teams, admins anywhere: the asker must be able to change both customers."""

from __future__ import annotations

from sqlmodel import select

from bot.access import can_change, visible_customers
from bot.actions import ActionSpec, button, declare
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Card, Reply
from bot.services.customer_value import refresh_stage_and_tier
from bot.services.customers import resolve_customer
from bot.services.duplicates import Pair, likely_pairs
from bot.services.merging import live_merge_of, merge_customers, unmerge_customer
from bot.text.words import Word
from storage.models import Customer

SHOWN = 10
MERGE = declare(ActionSpec("merge", command="merge", arguments="#{keep} #{drop}", label="merging:action_merge",
                           style="primary"))


def _dupes(ctx: CommandContext, cmd: ParsedCommand) -> list[Reply]:
    pairs = likely_pairs(ctx.session, visible_customers(ctx.session, ctx.user), limit=SHOWN)
    if not pairs:
        return [Reply(text=ctx.t("merging:no_dupes"))]
    names = _customers(ctx, pairs)
    replies = [Reply(text=ctx.t("merging:dupes_heading", count=len(pairs)))]
    for pair in pairs:
        keep, drop = names[pair.keep_id], names[pair.drop_id]
        card = Card(title=ctx.t("merging:pair_title", keep=keep, drop=drop),
                    subtitle=ctx.t("merging:reason_name", reason=pair.reason),
                    actions=(button(ctx.lang, "merge", keep=keep.id, drop=drop.id),
                             button(ctx.lang, "details", customer=keep.id),
                             button(ctx.lang, "details", customer=drop.id)))
        replies.append(Reply(text=ctx.t("merging:pair_line", keep=keep, drop=drop, reason=pair.reason), card=card))
    return replies


def _customers(ctx: CommandContext, pairs: list[Pair]) -> dict[int, Customer]:
    ids = {i for p in pairs for i in (p.keep_id, p.drop_id)}
    return {c.id: c for c in ctx.session.exec(select(Customer).where(Customer.id.in_(ids))).all()}


def _merge(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    keep: Customer = cmd.get("keep")
    drop: Customer = cmd.get("drop")
    for customer in (keep, drop):
        if not can_change(ctx.session, ctx.user, customer):
            raise UserError("customer_not_found", ref=f"#{customer.id}")
    result = merge_customers(ctx.session, keep=keep, drop=drop, user_id=ctx.user.id, now=ctx.now)
    changes = refresh_stage_and_tier(ctx.session, keep, today=ctx.today)
    # The rows and fields themselves are in the merge record (`customer_merge`); the audit says who and what.
    ctx.audit("merge", "customer", keep.id, after={"merged": f"#{drop.id}", **{k: v[1] for k, v in changes.items()}})
    ctx.audit("merge", "customer", drop.id, after={"merged_into": f"#{keep.id}"})
    ctx.publish(CustomerChanged(customer_id=keep.id, tenant=ctx.tenant))
    ctx.publish(CustomerChanged(customer_id=drop.id, tenant=ctx.tenant, why="deleted"))
    return Reply(text=ctx.t("merging:merged", keep=keep, drop=drop, moved=result.moved, filled=result.filled))


def _unmerge(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    words = [Word(cmd.get("customer"), False)]
    try:
        drop, _ = resolve_customer(ctx.session, user=ctx.user, words=words, include_deleted=True)
    except UserError:  # a live customer: say it is not merged rather than "no such customer"
        drop, _ = resolve_customer(ctx.session, user=ctx.user, words=words)
    record = live_merge_of(ctx.session, drop)
    if record is None:
        raise UserError("merging:not_merged", customer=drop)
    keep = ctx.session.get(Customer, record.keep_id)
    if keep is None or not can_change(ctx.session, ctx.user, keep) or not can_change(ctx.session, ctx.user, drop):
        raise UserError("customer_not_found", ref=cmd.get("customer"))
    result = unmerge_customer(ctx.session, drop=drop, user_id=ctx.user.id, now=ctx.now)
    for customer in (keep, drop):
        refresh_stage_and_tier(ctx.session, customer, today=ctx.today)
    ctx.audit("unmerge", "customer", drop.id, after={"unmerged_from": f"#{keep.id}"})
    ctx.audit("unmerge", "customer", keep.id, after={"unmerged": f"#{drop.id}"})
    ctx.publish(CustomerChanged(customer_id=keep.id, tenant=ctx.tenant))
    ctx.publish(CustomerChanged(customer_id=drop.id, tenant=ctx.tenant, why="restored"))
    return Reply(text=ctx.t("merging:unmerged", keep=keep, drop=drop, moved=result.moved))


SPECS = (
    CommandSpec(
        name="dupes",
        aliases=("查重", "重复客户", "duplicates"),
        summary={"en": "likely duplicate customers you may see, best first, each with a merge button",
                 "zh": "列出可能重复的客户（按可能性排序），每对都有「合并」按钮"},
        handler=_dupes,
        writes=False,
        examples=("dupes", "查重"),
    ),
    CommandSpec(
        name="merge",
        aliases=("合并", "合并客户"),
        summary={"en": "merge the second customer into the first (undo with unmerge within 30 days)",
                 "zh": "把第二个客户合并到第一个（30 天内可撤销合并）"},
        handler=_merge,
        args=(Arg("keep", ArgKind.CUSTOMER), Arg("drop", ArgKind.CUSTOMER)),
        examples=("merge #12 #34", "合并 阿里巴巴 阿里巴巴有限公司"),
    ),
    CommandSpec(
        name="unmerge",
        aliases=("撤销合并", "取消合并"),
        summary={"en": "undo a merge: the merged customer and everything it brought come back",
                 "zh": "撤销合并：被合并的客户及其记录全部恢复"},
        handler=_unmerge,
        args=(Arg("customer", ArgKind.WORD, max_length=200),),
        examples=("unmerge #34", "撤销合并 #34"),
    ),
)
