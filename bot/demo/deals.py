"""A realistic pipeline for the demo book: about a third of the customers have a deal, most of them open and
spread over the stages (fewer the further they go), some won or lost in the last months; expected close
dates from last month to four months out (so some are past due), and stays in the current stage of a few
days to several weeks (so some are stuck). Drawn from a random stream of its own per customer, so the rest of
the demo stays the same row for row."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.demo.book import DemoCustomer

DEAL_SHARE = 0.35
_STAGES = (("qualify", 0.34), ("needs", 0.26), ("proposal", 0.2), ("negotiation", 0.12), ("won", 0.05), ("lost", 0.03))
_TITLES_ZH = ("年度采购", "设备升级", "系统集成项目", "服务续约", "新门店配套", "试点项目", "二期扩容", "运维外包")
_TITLES_EN = ("Annual supply", "Equipment upgrade", "Integration project", "Service renewal", "Pilot",
              "Phase 2 expansion", "Support contract")
_LOST_ZH = ("价格太高", "选择了竞争对手", "预算取消", "项目延期")
_LOST_EN = ("price too high", "went with a competitor", "budget cut", "project postponed")
_OPEN_ORDER = ("qualify", "needs", "proposal", "negotiation")


def add_deals(customer: DemoCustomer, seed: object, number: int, *, now: datetime, today: date) -> None:
    """Maybe give `customer` a deal (with its stage history) in ``customer.deals``."""
    rng = random.Random(f"{seed}:{number}:deal")
    if rng.random() > DEAL_SHARE:
        return
    stage = rng.choices([s for s, _ in _STAGES], [w for _, w in _STAGES])[0]
    english = customer.english
    amount = Decimal(round(rng.lognormvariate(10.5, 0.9), -2) or 1000).quantize(Decimal("0.01"))
    created = max(customer.values["created_at"], now - timedelta(days=rng.uniform(5, 120)))
    reached = _OPEN_ORDER.index(stage) + 1 if stage in _OPEN_ORDER else rng.randint(2, 4)
    path = list(_OPEN_ORDER[:reached]) + ([stage] if stage not in _OPEN_ORDER else [])
    # The stays: the last one started between `created` and now, earlier ones split the time before it.
    moments = sorted(created + (now - created) * rng.random() for _ in path[1:])
    entered = [created, *moments]
    visits = []
    for i, (name, start) in enumerate(zip(path, entered, strict=True)):
        end = entered[i + 1] if i + 1 < len(entered) else None
        visits.append({"deal_id": None, "stage": name, "entered_at": start, "entered_on": start.astimezone(UTC).date(),
                       "left_at": end, "by_user_id": customer.owner.id})
    closed = stage in ("won", "lost")
    close = today + timedelta(days=rng.randint(-30, 120))
    customer.deals.append(({
        "tenant": customer.values["tenant"], "customer_id": None, "owner_id": customer.owner.id,
        "title": rng.choice(_TITLES_EN if english else _TITLES_ZH), "amount": amount,
        "currency": "USD" if english else "CNY", "stage": stage, "expected_close": close,
        "status": stage if closed else "open", "stage_since": entered[-1],
        "lost_reason": rng.choice(_LOST_EN if english else _LOST_ZH) if stage == "lost" else None,
        "closed_at": entered[-1] if closed else None, "created_by": customer.owner.id, "created_at": created,
        "updated_at": entered[-1], "deleted_at": None,
    }, visits))  # fmt: skip
