"""Segments (分群) and campaigns (活动).

`segment <name> <filter…>` saves a named filter (``tier:vip region:华东 last_order:>90d``) and lists who matches;
`segment <name>` lists it again (paged, only customers the asker may see, with counts per owner); a manager adds
``share:yes`` to share it with their team. `segments` lists the segments the asker may use.

`campaign <segment> <step text> [due:<when>] [name:<name>] [force:yes]` gives every customer of the segment a next
step for its owner (skipping customers with a step already open unless ``force:yes``); managers run campaigns over
their teams, reps over their own book. `campaign <name>` shows its progress per rep: done, open, overdue.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session

from bot.access import is_manager_or_admin, managed_team_ids, visible_customers
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.labels import field_label, value_label
from bot.messages import Reply
from bot.services.campaigns import Due, late_step, mirror_on_customers, plan_steps
from bot.services.segments import (
    FILTER_KEYS,
    MAX_NAME,
    YES,
    find_segment,
    normalize_filters,
    predicate,
    segment_key,
    terms_of,
    visible_segments,
)
from bot.text.when import When, format_when
from storage.models import Campaign, Customer, FollowUp, Segment, User

PAGE = 20
OWNER_LINES = 10

_FILTER_OPTIONS = (
    Option("tier", aliases=("等级", "级别"), max_length=20),
    Option("stage", aliases=("阶段",), max_length=30),
    Option("region", aliases=("地区", "区域", "城市"), max_length=80),
    Option("industry", aliases=("行业",), max_length=80),
    Option("tags", aliases=("标签", "tag"), max_length=300, absorbs_comma_list=True),
    Option("owner", aliases=("负责人", "销售"), max_length=120),
    Option("team", aliases=("团队",), max_length=80),
    Option("last_contact", aliases=("最近联系", "联系", "未联系", "contact"), max_length=20),
    Option("last_order", aliases=("最近下单", "下单", "未下单", "order"), max_length=20),
    Option("value", aliases=("累计金额", "金额", "ltv", "lifetime_value"), max_length=30),
    Option("churn", aliases=("流失风险", "流失", "churn_risk"), max_length=10),
    Option("satisfaction", aliases=("满意度",), max_length=10),
    Option("open_tickets", aliases=("未解决工单", "工单", "tickets"), max_length=10),
)


def _describe(terms: dict[str, Any], ctx: CommandContext, names: dict[int, str]) -> str:
    """The filter as the user would type it, in their language (``等级:VIP 地区:华东 最近下单:>90天``)."""
    zh = ctx.lang.startswith("zh")
    parts = []
    for key, value in terms.items():
        if key in ("last_contact", "last_order"):
            shown = ("从未" if zh else "never") if value is None else (f">{value}天" if zh else f">{value}d")
        elif key == "tags":
            shown = ("、" if zh else ",").join(value)
        elif key in ("owner", "team"):
            shown = names.get(value, f"#{value}") if key == "owner" else names.get(-value, f"#{value}")
        elif key == "value":
            shown = f">{value}"
        elif key == "satisfaction":
            shown = f"<{value}"
        elif key == "open_tickets":
            shown = ("无" if zh else "none") if value == 0 else f">={value}"
        elif key == "churn":
            shown = ("是" if value else "否") if zh else ("yes" if value else "no")
        else:
            shown = value_label(key, str(value), ctx.lang) if zh else str(value)
        parts.append(f"{field_label(key, ctx.lang)}:{shown}")
    return " ".join(parts) or ("（全部客户）" if zh else "(every customer)")


def _names(ctx: CommandContext, terms: dict[str, Any]) -> dict[int, str]:
    from storage.models import Team

    names: dict[int, str] = {}
    if "owner" in terms:
        user = ctx.session.get(User, terms["owner"])
        names[terms["owner"]] = (user.display_name or user.name) if user else "?"
    if "team" in terms:
        team = ctx.session.get(Team, terms["team"])
        names[-terms["team"]] = team.name if team else "?"
    return names


def _share_team(ctx: CommandContext) -> int:
    if not is_manager_or_admin(ctx.user):
        raise UserError("segments:share_managers_only")
    teams = managed_team_ids(ctx.session, ctx.user) or ([ctx.user.team_id] if ctx.user.team_id else [])
    if not teams:
        raise UserError("segments:no_team")
    return sorted(teams)[0]


def _segment(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    name = cmd.get("name").strip()
    if len(name) > MAX_NAME or not name:
        raise UserError("text_too_long", name="segment", limit=MAX_NAME)
    filters = {k: v for k, v in cmd.options.items() if k in FILTER_KEYS}
    share = cmd.options.get("share")
    if filters or share is not None:
        segment = _save(ctx, name, filters, share)
        saved = True
    else:
        segment = find_segment(ctx.session, ctx.user, name).segment
        saved = False
    return Reply(text=_listing(ctx, segment, page=max(int(cmd.options.get("page") or 1), 1), saved=saved))


def _save(ctx: CommandContext, name: str, filters: dict[str, Any], share: str | None) -> Segment:
    key = segment_key(name)
    existing = ctx.session.execute(select(Segment).where(Segment.tenant == ctx.tenant, Segment.author_id == ctx.user.id,
                                                         Segment.name_key == key).with_for_update()).scalars().first()
    terms = normalize_filters(ctx.session, ctx.user, filters) if filters else (terms_of(existing) if existing else {})
    if not terms:
        raise UserError("segments:no_filter")
    team_id = existing.team_id if existing else None
    if share is not None:
        team_id = _share_team(ctx) if share.strip().lower() in YES else None
    if existing is None:
        segment = Segment(tenant=ctx.tenant, author_id=ctx.user.id, name=name, name_key=key,
                          filters=json.dumps(terms, ensure_ascii=False), team_id=team_id, created_at=ctx.now,
                          updated_at=ctx.now)
        ctx.session.add(segment)
        ctx.session.flush()  # a concurrent twin with this name: the unique key makes this one rerun and update it
        ctx.audit("create", "segment", segment.id, after={"name": name, "filters": terms, "team_id": team_id})
        return segment
    before = {"filters": terms_of(existing), "team_id": existing.team_id}
    existing.filters, existing.team_id, existing.updated_at, existing.name = (
        json.dumps(terms, ensure_ascii=False), team_id, ctx.now, name)
    ctx.session.add(existing)
    ctx.audit("update", "segment", existing.id, before=before, after={"filters": terms, "team_id": team_id})
    return existing


def _members(ctx: CommandContext, segment: Segment):
    return and_(visible_customers(ctx.session, ctx.user), predicate(terms_of(segment), now=ctx.now))


def _listing(ctx: CommandContext, segment: Segment, *, page: int, saved: bool) -> str:
    where = _members(ctx, segment)
    owners = ctx.session.execute(
        select(User.display_name, User.name, func.count(Customer.id).label("n"))
        .select_from(Customer).join(User, User.id == Customer.owner_id).where(where)
        .group_by(User.id, User.display_name, User.name).order_by(func.count(Customer.id).desc(), User.name)
    ).all()
    total = sum(row.n for row in owners)
    rows = ctx.session.execute(
        select(Customer.id, Customer.name, Customer.tier, Customer.region, Customer.last_contact_at,
               User.display_name, User.name.label("owner_name"))
        .join(User, User.id == Customer.owner_id).where(where)
        .order_by(Customer.name, Customer.id).offset((page - 1) * PAGE).limit(PAGE)
    ).all()
    terms = terms_of(segment)
    customers = [{"id": r.id, "name": r.name, "tier": r.tier, "region": r.region, "owner": r.display_name or r.owner_name,
                  "last": r.last_contact_at.astimezone(ctx.tz).date().isoformat() if r.last_contact_at else None}
                 for r in rows]
    return ctx.t("segments:listing", name=segment.name, filters=_describe(terms, ctx, _names(ctx, terms)),
                 total=total, owners=[(r.display_name or r.name, r.n) for r in owners[:OWNER_LINES]],
                 more_owners=max(len(owners) - OWNER_LINES, 0), customers=customers, page=page,
                 more=total > page * PAGE, saved=saved, shared=segment.team_id is not None)


def _segments(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    rows = []
    for segment, own in visible_segments(ctx.session, ctx.user):
        terms = terms_of(segment)
        rows.append({"name": segment.name, "filters": _describe(terms, ctx, _names(ctx, terms)), "own": own,
                     "shared": segment.team_id is not None})
    return Reply(text=ctx.t("segments:segments", rows=rows))


def _campaign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    name = cmd.get("name").strip()
    step = (cmd.get("step") or "").strip()
    if not step:
        return Reply(text=_progress(ctx, name))
    if len(step) > 500:
        raise UserError("text_too_long", name="step", limit=500)
    ref = find_segment(ctx.session, ctx.user, name)
    campaign_name = (cmd.options.get("campaign") or ref.segment.name).strip()[:MAX_NAME]
    if ctx.session.execute(select(Campaign.id).where(Campaign.tenant == ctx.tenant,
                                                     Campaign.name_key == segment_key(campaign_name))).first():
        raise UserError("segments:campaign_exists", name=campaign_name)
    due = _due(ctx, cmd.options.get("due"))
    force = str(cmd.options.get("force") or "").strip().lower() in YES
    # Managers run campaigns over what they may see; reps over their own book only.
    scope = visible_customers(ctx.session, ctx.user)
    if not is_manager_or_admin(ctx.user):
        scope = and_(scope, Customer.owner_id == ctx.user.id)
    chosen = and_(scope, predicate(terms_of(ref.segment), now=ctx.now))
    targeted = ctx.session.execute(select(func.count(Customer.id)).where(chosen)).scalar_one()
    if not targeted:
        raise UserError("segments:campaign_empty", name=ref.segment.name)
    campaign = Campaign(tenant=ctx.tenant, name=campaign_name, name_key=segment_key(campaign_name),
                        segment_id=ref.segment.id, created_by=ctx.user.id, step=step, created_at=ctx.now)
    ctx.session.add(campaign)
    ctx.session.flush()  # a concurrent campaign that took the name first: this unit of work reruns and refuses
    created = plan_steps(ctx.session, chosen, author_id=ctx.user.id, text=ctx.t("segments:step_note", name=campaign_name),
                         step=step, due=due, campaign_id=campaign.id, force=force, settings=ctx.settings, now=ctx.now)
    mirror_on_customers(ctx.session, campaign_id=campaign.id, now=ctx.now)
    campaign.targeted, campaign.skipped = targeted, targeted - created
    ctx.session.add(campaign)
    ctx.audit("create", "campaign", campaign.id, after={"name": campaign_name, "segment_id": ref.segment.id,
                                                          "step": step, "created": created, "skipped": targeted - created,
                                                          "force": force})
    return Reply(text=ctx.t("segments:campaign_started", name=campaign_name, created=created,
                            skipped=targeted - created, step=step,
                            due=format_when(When(due.day, None, ctx.tz) if due.instant is None else
                                            When(due.instant.astimezone(ctx.tz).date(),
                                                 due.instant.astimezone(ctx.tz).time().replace(tzinfo=None), ctx.tz),
                                            ctx.lang, today=ctx.today), force=force))


def _due(ctx: CommandContext, when: When | None) -> Due:
    if when is None:
        return Due(ctx.today)
    if when.has_time and when.instant is not None:
        if when.instant <= ctx.now:
            raise UserError("past_date", when=format_when(when, ctx.lang))
        return Due(when.instant.astimezone(ctx.tz).date(), when.instant)
    if when.local_date < ctx.today:
        raise UserError("past_date", when=format_when(when, ctx.lang))
    return Due(when.local_date)


def campaign_progress(session: Session, campaign_id: int, scope: ColumnElement[bool], now: datetime,
                      today: date) -> list[tuple[str, int, int, int]]:
    """Per owner of the campaign's customers in `scope`: (owner, done, open, overdue), busiest first."""
    is_open, late = FollowUp.done_at.is_(None), late_step(now, today)
    rows = session.execute(
        select(User.display_name, User.name, func.sum(case((is_open, 0), else_=1)),
               func.sum(case((late, 0), (is_open, 1), else_=0)), func.sum(case((late, 1), else_=0)))
        .select_from(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
        .join(User, User.id == Customer.owner_id)
        .where(FollowUp.campaign_id == campaign_id, FollowUp.deleted_at.is_(None), scope)
        .group_by(User.id, User.display_name, User.name).order_by(func.count(FollowUp.id).desc(), User.name)
    ).all()
    return [(display or name, int(done or 0), int(open_ or 0), int(over or 0)) for display, name, done, open_, over in rows]


def _progress(ctx: CommandContext, name: str) -> str:
    campaign = ctx.session.execute(select(Campaign).where(Campaign.tenant == ctx.tenant,
                                                          Campaign.name_key == segment_key(name))).scalars().first()
    if campaign is None:
        raise UserError("segments:campaign_not_found", name=name)
    scope = visible_customers(ctx.session, ctx.user)
    reps = campaign_progress(ctx.session, campaign.id, scope, ctx.now, ctx.today)
    if not reps and not is_manager_or_admin(ctx.user) and campaign.created_by != ctx.user.id:
        raise UserError("segments:campaign_not_found", name=name)
    totals = tuple(sum(r[i] for r in reps) for i in (1, 2, 3))
    return ctx.t("segments:progress", name=campaign.name, step=campaign.step, reps=reps[:30], done=totals[0],
                 open=totals[1], overdue=totals[2], skipped=campaign.skipped,
                 started=campaign.created_at.astimezone(ctx.tz).date().isoformat())


SPECS = (
    CommandSpec(
        name="segment",
        aliases=("分群", "客户分群", "细分"),
        summary={"en": "save a named customer filter and list who matches; share:yes shares it with your team",
                 "zh": "保存命名的客户筛选条件并列出符合的客户；共享:是 分享给团队"},
        handler=_segment,
        args=(Arg("name", ArgKind.WORD, max_length=MAX_NAME),),
        options=(*_FILTER_OPTIONS, Option("share", aliases=("共享", "分享给团队"), max_length=10),
                 Option("page", ArgKind.INT, aliases=("页", "第"))),
        examples=("segment 华东大客户 tier:vip region:华东 last_order:>90d", "分群 华东大客户 等级:VIP 地区:华东 最近下单:>90天",
                  "segment 华东大客户 page:2"),
    ),
    CommandSpec(
        name="segments",
        aliases=("分群列表", "我的分群"),
        summary={"en": "the segments you may use", "zh": "你可以使用的客户分群"},
        handler=_segments,
        examples=("segments", "分群列表"),
        writes=False,
    ),
    CommandSpec(
        name="campaign",
        aliases=("活动", "营销活动", "营销"),
        summary={"en": "give every customer of a segment a next step for its owner; campaign <name> shows progress",
                 "zh": "为分群中的每位客户给负责人安排下一步；活动 <名称> 查看进度"},
        handler=_campaign,
        args=(Arg("name", ArgKind.WORD, max_length=MAX_NAME),
              Arg("step", ArgKind.TEXT, required=False, max_length=500, verbatim=True)),
        options=(Option("due", kind=ArgKind.WHEN, aliases=("期限", "截止", "时间", "when")),
                 Option("campaign", aliases=("活动名", "名称", "name"), max_length=MAX_NAME),
                 Option("force", aliases=("确认", "强制"), max_length=10)),
        examples=("campaign 华东大客户 call about the new price list due:friday", "活动 华东大客户 电话介绍新品 期限:周五",
                  "campaign 华东大客户"),
    ),
)
