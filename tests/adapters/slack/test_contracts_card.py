"""Contracts and the full card through the real Slack SDK: a contract recorded with `/crm 合同 …`, and the card
of a customer with hundreds of orders and dozens of contracts, which Slack's own block rules accept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from storage.models import Contract, Order
from tests.adapters.slack.conftest import payload_text
from tests.emulators.slack_blocks import validate_message_blocks


def test_a_contract_in_chinese_and_a_heavy_card_within_slacks_limits(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    _, hook = slack.command("合同 Acme 年度服务合同 金额:一万二 开始:2026-01-01 结束:2026-12-31 续约:自动")
    answer = slack.answers(hook)[0]
    assert answer["response_type"] == "ephemeral"
    assert "记录合同 *C1*" in answer["text"] and "CNY 12,000.00" in answer["text"]

    customer = slack.customer("Acme Trading")
    with Session(slack.runtime.engine) as session:
        for n in range(300):
            session.add(Order(customer_id=customer.id, amount=Decimal(100 + n), ordered_on=date(2026, 1 + n % 10, 1),
                              items="零件" * 150, created_by=customer.owner_id))
        for n in range(40):
            session.add(Contract(customer_id=customer.id, title="框架协议" * 50, amount=Decimal(1000 + n),
                                 starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 1 + n % 28),
                                 created_by=customer.owner_id))
        session.commit()
    _, hook = slack.command("show Acme")
    card = slack.answers(hook)[0]
    assert validate_message_blocks(card["blocks"]) == []
    text = payload_text(card["blocks"])
    assert "Purchase history" in text and "301 orders" not in text and "300 orders" in text
    assert "C1 年度服务合同" in text and "More contracts" in text
