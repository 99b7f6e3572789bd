"""Instants are stored in UTC and come back timezone-aware."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from storage.models import Customer, User


def test_aware_timestamps_round_trip_as_utc(engine):
    beijing = timezone(timedelta(hours=8))
    with Session(engine) as session:
        user = User(tenant="t", name="alice")
        session.add(user)
        session.flush()
        session.add(Customer(tenant="t", name="Acme", owner_id=user.id,
                             created_at=datetime(2026, 11, 18, 10, 0, tzinfo=beijing)))
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Customer.created_at)).one()
    assert stored == datetime(2026, 11, 18, 2, 0, tzinfo=timezone.utc)
    assert stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(engine):
    with Session(engine) as session:
        user = User(tenant="t", name="alice")
        session.add(user)
        session.flush()
        session.add(Customer(tenant="t", name="Acme", owner_id=user.id, created_at=datetime(2026, 11, 18, 10, 0)))
        with pytest.raises(Exception, match="timezone"):
            session.flush()
