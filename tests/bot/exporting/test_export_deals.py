"""Deals travel with an export: one cell per customer (title · stage · amount · close), read back by the importer
into deals with their stage, amount and expected close for the customers it creates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.exporting import export_customers
from bot.importing import ImportOptions, import_customers
from storage.models import Customer, DealStageVisit, Opportunity
from storage.uow import unit_of_work
from tests.bot.exporting.test_export import book, config_overrides, read_csv, user  # noqa: F401  (fixtures)


@pytest.fixture
def deals(engine, book, clock):  # noqa: F811  (the imported fixture)
    now = clock.now()
    with unit_of_work(engine) as session:
        acme = session.get(Customer, book.id)
        for title, stage, amount, close in (("pumps · phase 2", "proposal", Decimal("120000.00"), date(2026, 12, 31)),
                                            ("service", "won", None, None)):
            deal = Opportunity(tenant=acme.tenant, customer_id=acme.id, owner_id=acme.owner_id, title=title,
                               amount=amount, stage=stage, status="won" if stage == "won" else "open",
                               expected_close=close, stage_since=now, closed_at=now if stage == "won" else None)
            session.add(deal)
            session.flush()
            session.add(DealStageVisit(deal_id=deal.id, stage=stage, entered_at=now, entered_on=now.date()))
    return book


@pytest.mark.parametrize(("lang", "suffix"), [("zh", "csv"), ("en", "xlsx")])
def test_deals_go_out_and_come_back(engine, settings, user, deals, tmp_path, clock, lang, suffix):  # noqa: F811
    exported = export_customers(engine, settings, user=user("boss"), path=tmp_path / f"all.{suffix}", lang=lang)
    if suffix == "csv":
        [acme] = [row for row in read_csv(exported.path) if row["客户名称"] == "Acme"]
        assert acme["商机"] == "pumps · phase 2 · 方案报价 · 120000.00 CNY · 2026-12-31; service · 赢单 · - · -"
    with unit_of_work(engine) as session:
        for table in ("deal_stage", "opportunity", "contact", "followup", "sales_order", "customer"):
            session.exec(text(f"DELETE FROM {table}"))
    report = import_customers(engine, user=user("boss"), path=exported.path, options=ImportOptions(workers=1), clock=clock)
    assert report.rejected == 0 and report.noted == 0
    with unit_of_work(engine) as session:
        found = session.exec(select(Opportunity).order_by(Opportunity.id)).all()
        acme = session.exec(select(Customer).where(Customer.name == "Acme")).one()
        stays = session.exec(select(DealStageVisit)).all()
        assert [(d.title, d.stage, d.status, d.amount, d.expected_close, d.customer_id, d.owner_id) for d in found] == [
            ("pumps · phase 2", "proposal", "open", Decimal("120000.00"), date(2026, 12, 31), acme.id, acme.owner_id),
            ("service", "won", "won", None, None, acme.id, acme.owner_id)]
        assert len(stays) == 2 and all(s.left_at is None for s in stays)
