"""Segments (客户细分): named customer filters in the ``key:value`` grammar, evaluated as one SQL predicate.

A filter is a dict of terms (``{"tier": "vip", "region": "华东", "last_order": 90}``) kept as JSON on the segment
and turned into a WHERE clause over ``customer`` at every use, so a segment always lists who matches now. Every
term is a column comparison or a correlated EXISTS / aggregate on an index that starts with the customer, so a
listing or a campaign over thousands of customers is a couple of set-based statements.

| key | aliases | value | matches |
| --- | --- | --- | --- |
| tier | 等级 | vip / key / normal (VIP / 重点 / 普通) | the tier |
| stage | 阶段 | a lifecycle stage | the stage |
| region, industry | 地区, 行业 | text | exactly that value (case-insensitive) |
| tags | 标签 | a, b | every tag listed |
| owner | 负责人 | a user, ``me`` | customers that user owns |
| team | 团队 | a team name | customers of that team |
| last_contact | 最近联系 | ``>90d`` / ``>3m`` / ``never`` | no contact for longer than that (or never) |
| last_order | 最近下单 | ``>90d`` / ``never`` | no order for longer than that (or none) |
| value | 累计金额 | ``>10000`` / ``>1万`` | orders worth more than that in all |
| churn | 流失风险 | yes / no | stage at risk or churned (or not) |
| satisfaction | 满意度 | ``<3`` | the latest satisfaction score below that |
| open_tickets | 未解决工单 | yes / ``>=2`` / no | that many open tickets (or none) |
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true
from sqlmodel import Session, col

from bot.access import managed_team_ids
from bot.commands.parser import parse_amount
from bot.errors import UserError
from bot.text.numerals import parse_cn_count
from storage.models import Customer, Order, Satisfaction, Segment, Team, Ticket, User

MAX_NAME = 80
TIER_WORDS = {"vip": "vip", "key": "key", "重点": "key", "important": "key", "normal": "normal", "普通": "normal"}
STAGE_WORDS = {"lead": "lead", "线索": "lead", "first_purchase": "first_purchase", "首次购买": "first_purchase",
               "首购": "first_purchase", "repeat": "repeat", "复购": "repeat", "loyal": "loyal", "忠诚": "loyal",
               "at_risk": "at_risk", "有流失风险": "at_risk", "流失风险": "at_risk", "churned": "churned",
               "已流失": "churned", "流失": "churned"}
YES = frozenset({"yes", "y", "true", "1", "是", "有", "对"})
NO = frozenset({"no", "n", "false", "0", "否", "无", "没有"})
NEVER = frozenset({"never", "none", "从未", "从没", "无", "没有"})
_AGE = re.compile(r"^(?:>|>=|older|超过|大于)?\s*(\d+|[零一二两三四五六七八九十百]+)\s*(d|day|days|天|日|w|week|weeks|周|星期|"
                  r"m|month|months|个月|月|y|year|years|年)?$", re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "day": 1, "days": 1, "天": 1, "日": 1, "w": 7, "week": 7, "weeks": 7, "周": 7, "星期": 7,
              "m": 30, "month": 30, "months": 30, "个月": 30, "月": 30, "y": 365, "year": 365, "years": 365, "年": 365}
_COMPARE = re.compile(r"^(>=|<=|>|<|=)?\s*(.+)$")


def _days(key: str, value: str) -> int | None:
    """``>90d`` → 90, ``3个月`` → 90, ``never`` → None (never); anything else is a clear error."""
    text = value.strip().lower()
    if text in NEVER:
        return None
    match = _AGE.match(text)
    count = parse_cn_count(match[1]) if match else None
    if match is None or count is None or count <= 0:
        raise UserError("segments:bad_age", field=key, value=value)
    return count * _UNIT_DAYS[(match[2] or "d").lower()]


def _choice(key: str, value: str, words: dict[str, str]) -> str:
    found = words.get(value.strip().lower())
    if found is None:
        raise UserError("bad_choice", name=key, value=value, choices=", ".join(sorted(set(words.values()))))
    return found


def _yes_no(key: str, value: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise UserError("bad_choice", name=key, value=value, choices="yes, no")


def _compare(key: str, value: str, default_op: str) -> tuple[str, str]:
    match = _COMPARE.match(value.strip())
    assert match is not None
    return match[1] or default_op, match[2].strip()


def normalize_filters(session: Session, asker: User, options: dict[str, Any]) -> dict[str, Any]:
    """The typed ``key:value`` options as stored terms; unknown values get a clear answer in the user's language."""
    terms: dict[str, Any] = {}
    for key, raw in options.items():
        value = str(raw).strip()
        if key in ("share", "page", "force", "name", "due"):
            continue
        if not value:
            raise UserError("missing_argument", name=key)
        if key == "tier":
            terms[key] = _choice(key, value, TIER_WORDS)
        elif key == "stage":
            terms[key] = _choice(key, value, STAGE_WORDS)
        elif key in ("region", "industry"):
            terms[key] = value[:80]
        elif key == "tags":
            tags = [t.strip() for t in re.split(r"[,，、]", value) if t.strip()]
            terms[key] = sorted(set(tags))
        elif key == "owner":
            terms[key] = _user_id(session, asker, value)
        elif key == "team":
            terms[key] = _team_id(session, asker, value)
        elif key in ("last_contact", "last_order"):
            terms[key] = _days(key, value)
        elif key == "value":
            op, number = _compare(key, value, ">")
            amount = parse_amount(number)
            if amount is None or op not in (">", ">="):
                raise UserError("segments:bad_amount", field=key, value=value)
            terms[key] = str(amount[0])
        elif key == "churn":
            terms[key] = _yes_no(key, value)
        elif key == "satisfaction":
            op, number = _compare(key, value, "<")
            score = parse_cn_count(number)
            if op not in ("<", "<=") or score is None or not 1 <= score <= 5:
                raise UserError("segments:bad_score", field=key, value=value)
            terms[key] = score + (1 if op == "<=" else 0)
        elif key == "open_tickets":
            terms[key] = _ticket_count(key, value)
        else:  # pragma: no cover - the spec only accepts the keys above
            raise UserError("unknown_field", field=key, fields=", ".join(FILTER_KEYS))
    return terms


def _ticket_count(key: str, value: str) -> int:
    """``yes`` → at least 1, ``no`` → 0 (none open), ``>=2`` / ``2`` → at least 2."""
    text = value.strip().lower()
    if text in YES:
        return 1
    if text in NO:
        return 0
    op, number = _compare(key, text, ">=")
    count = parse_cn_count(number)
    if count is None or op not in (">", ">="):
        raise UserError("bad_number", name=key, value=value)
    return count + (1 if op == ">" else 0)


def _user_id(session: Session, asker: User, ref: str) -> int:
    from bot.users import find_user

    if ref.lower() in ("me", "我", "自己"):
        assert asker.id is not None
        return asker.id
    matches = find_user(session, tenant=asker.tenant, reference=ref, platform="console", include_inactive=True)
    if len(matches) != 1:
        raise UserError("user_not_found" if not matches else "user_ambiguous", ref=ref,
                        candidates=", ".join(u.name for u in matches[:8]))
    assert matches[0].id is not None
    return matches[0].id


def _team_id(session: Session, asker: User, name: str) -> int:
    team = session.execute(select(Team).where(Team.tenant == asker.tenant, func.lower(Team.name) == name.lower())
                           ).scalars().first()
    if team is None or team.id is None:
        raise UserError("segments:unknown_team", name=name)
    return team.id


FILTER_KEYS = ("tier", "stage", "region", "industry", "tags", "owner", "team", "last_contact", "last_order", "value",
               "churn", "satisfaction", "open_tickets")


def predicate(terms: dict[str, Any], *, now: datetime) -> ColumnElement[bool]:
    """The WHERE clause over ``customer`` that the stored `terms` stand for (all of them must hold)."""
    clauses: list[ColumnElement[bool]] = []
    for key, value in terms.items():
        clauses.append(_term(key, value, now))
    return and_(true(), *clauses)


def _term(key: str, value: Any, now: datetime) -> ColumnElement[bool]:
    if key == "tier":
        return Customer.tier == value
    if key == "stage":
        return Customer.stage == value
    if key in ("region", "industry"):
        return func.lower(getattr(Customer, key)) == value.lower()
    if key == "tags":
        return and_(*(Customer.tags.like(f"%,{tag},%") for tag in value))
    if key == "owner":
        return Customer.owner_id == value
    if key == "team":
        return Customer.team_id == value
    if key == "last_contact":
        if value is None:
            return Customer.last_contact_at.is_(None)
        return or_(Customer.last_contact_at.is_(None), Customer.last_contact_at < now - timedelta(days=value))
    if key == "last_order":
        orders = select(Order.id).where(Order.customer_id == Customer.id, Order.deleted_at.is_(None))
        if value is None:
            return not_(exists(orders))
        recent = orders.where(Order.ordered_on >= (now - timedelta(days=value)).date())
        return not_(exists(recent))
    if key == "value":
        total = (select(func.coalesce(func.sum(Order.amount), 0))
                 .where(Order.customer_id == Customer.id, Order.deleted_at.is_(None)).scalar_subquery())
        return total > Decimal(value)
    if key == "churn":
        risky = Customer.stage.in_(("at_risk", "churned"))
        return risky if value else not_(risky)
    if key == "satisfaction":
        latest = (select(Satisfaction.score).where(Satisfaction.customer_id == Customer.id)
                  .order_by(Satisfaction.created_at.desc(), Satisfaction.id.desc()).limit(1).scalar_subquery())
        return latest < value
    if key == "open_tickets":
        count = (select(func.count(Ticket.id)).where(Ticket.customer_id == Customer.id, Ticket.closed_at.is_(None))
                 .scalar_subquery())
        return count == 0 if value == 0 else count >= value
    return false()


def segment_key(name: str) -> str:
    """The lookup form of a segment or campaign name (case-insensitive)."""
    return name.strip().lower()


@dataclass(frozen=True)
class SegmentRef:
    """A segment the asker may use, and whether it is their own."""

    segment: Segment
    own: bool


def find_segment(session: Session, user: User, name: str) -> SegmentRef:
    """The asker's own segment `name`, else one shared with a team they belong to or manage."""
    key = segment_key(name)
    own = session.execute(select(Segment).where(Segment.tenant == user.tenant, Segment.author_id == user.id,
                                                Segment.name_key == key)).scalars().first()
    if own is not None:
        return SegmentRef(own, True)
    teams = set(managed_team_ids(session, user)) | ({user.team_id} if user.team_id else set())
    if teams:
        shared = session.execute(select(Segment).where(Segment.tenant == user.tenant, Segment.name_key == key,
                                                       Segment.team_id.in_(sorted(teams)))
                                 .order_by(Segment.updated_at.desc())).scalars().first()
        if shared is not None:
            return SegmentRef(shared, False)
    raise UserError("segments:not_found", name=name)


def terms_of(segment: Segment) -> dict[str, Any]:
    """The stored terms of a segment."""
    return dict(json.loads(segment.filters))


def visible_segments(session: Session, user: User) -> list[tuple[Segment, bool]]:
    """The asker's own segments and those shared with their teams, by name."""
    teams = set(managed_team_ids(session, user)) | ({user.team_id} if user.team_id else set())
    reach: ColumnElement[bool] = col(Segment.author_id) == user.id
    if teams:
        reach = or_(reach, Segment.team_id.in_(sorted(teams)))
    rows = session.execute(select(Segment).where(Segment.tenant == user.tenant, reach)
                           .order_by(Segment.name_key, Segment.id).limit(100)).scalars().all()
    return [(segment, segment.author_id == user.id) for segment in rows]
