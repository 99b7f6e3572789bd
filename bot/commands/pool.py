"""`pool` / 公海 lists the team's public pool; `claim` / 领取 takes a customer from it (managers also `assign`)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.pool.service import in_pool, open_claims, take
from bot.render import Markdown
from storage.models import Customer, PoolRelease, User

PAGE = 20


def _pool(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    where = in_pool(ctx.session, ctx.user)
    previous = aliased(User, name="previous")
    rows = ctx.session.exec(
        select(Customer.id, Customer.name, Customer.region, PoolRelease.released_at,
               func.coalesce(func.nullif(previous.display_name, ""), previous.name))
        .join(PoolRelease, (PoolRelease.customer_id == Customer.id) & col(PoolRelease.ended_at).is_(None))
        .join(previous, previous.id == PoolRelease.previous_owner_id)
        .where(where)
        .order_by(col(PoolRelease.released_at).desc(), col(Customer.id))
        .limit(PAGE)
    ).all()
    if not rows:
        return Reply(text=ctx.t("pool:empty"), ok=False)
    total = ctx.session.exec(select(func.count()).select_from(Customer).where(where)).one()
    lines = [str(ctx.t("pool:line", id=i, name=name, region=region,
                       day=released.astimezone(ctx.tz).date().isoformat(), previous=who))
             for i, name, region, released, who in rows]
    return Reply(text=ctx.t("pool:listed", lines=Markdown("\n".join(lines)), shown=len(rows), total=total,
                            limit=ctx.settings.pool.max_per_rep, held=open_claims(ctx.session, ctx.user)))


def _find_in_pool(ctx: CommandContext, ref: str) -> Customer:
    where = in_pool(ctx.session, ctx.user)
    text = ref.strip()
    by_id = text.lstrip("#")
    if by_id.isdigit():
        found = ctx.session.exec(select(Customer).where(where, Customer.id == int(by_id))).first()
        if found is None:
            raise UserError("pool:not_in_pool", ref=text)
        return found
    exact = ctx.session.exec(select(Customer).where(where, Customer.name == text).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    like = ctx.session.exec(
        select(Customer).where(where, col(Customer.name).contains(text, autoescape=True)).limit(8)
    ).all()
    if len(like) == 1:
        return like[0]
    if not like:
        raise UserError("pool:not_in_pool", ref=text)
    raise UserError("customer_ambiguous", ref=text, candidates=like)


def _claim(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    # The claimer's row first: their claims are counted and taken one at a time (the limit holds under load).
    ctx.session.exec(select(User.id).where(User.id == ctx.user.id).with_for_update()).first()
    customer = _find_in_pool(ctx, cmd.get("customer"))
    limit = ctx.settings.pool.max_per_rep
    if open_claims(ctx.session, ctx.user) >= limit:
        raise UserError("pool:limit", limit=limit)
    taken = take(ctx.session, customer, claimer=ctx.user, now=ctx.now)
    if taken is None:
        raise UserError("pool:taken", name=customer.name, id=customer.id)
    ctx.audit("claim", "customer", customer.id, before={"owner_id": taken.previous_owner_id, "pooled": True},
              after={"owner_id": customer.owner_id, "team_id": customer.team_id})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant, why="moved"))
    return Reply(text=ctx.t("pool:claimed", customer=customer, held=open_claims(ctx.session, ctx.user), limit=limit))


SPECS = (
    CommandSpec(
        name="pool",
        aliases=("公海", "客户公海", "公海客户"),
        summary={"en": "the team's public pool: customers nobody followed up, free to claim",
                 "zh": "团队公海：长期未跟进、可以领取的客户"},
        handler=_pool,
        examples=("pool", "公海"),
        writes=False,
    ),
    CommandSpec(
        name="claim",
        aliases=("领取", "认领"),
        summary={"en": "take a customer from the public pool", "zh": "从公海领取客户"},
        handler=_claim,
        args=(Arg("customer", ArgKind.TEXT, max_length=200),),
        examples=("claim #12", "领取 阿里巴巴"),
    ),
)
