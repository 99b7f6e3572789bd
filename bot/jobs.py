"""Scheduled maintenance jobs: work the tick does besides notifications, declared once here.

Each job is an `Enqueue` step (the engine and the tick's zone clocks in, a count out) that the enqueuer
runs after the notification kinds, at most once per clock hour in a process (`hourly`); a job must be safe
to run again and on several replicas at once (its own keys and row locks make reruns harmless).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.notifications.catalog import Enqueue
from bot.notifications.zone_clocks import ZoneClocks
from bot.services.duplicates import scan_week
from bot.services.loyalty import expire_points
from storage.models import ManagerTeam, Team
from storage.uow import unit_of_work


def _expire_points(engine: Engine, clocks: ZoneClocks) -> int:
    # The earliest local date of the zones: a point never expires before its day has come anywhere.
    return expire_points(engine, clocks.settings, today=clocks.first_today, now=clocks.now)


def _scan_duplicates(engine: Engine, clocks: ZoneClocks) -> int:
    # Once per ISO week (the first pass of the week claims it), per team with a manager: the weekly digest,
    # rendered after this pass, lists the pairs that are new.
    with unit_of_work(engine, write=False) as session:
        teams = [(tenant, team_id) for tenant, team_id in session.exec(
            select(Team.tenant, Team.id).join(ManagerTeam, col(ManagerTeam.team_id) == Team.id).distinct()).all()]
    if not teams:
        return 0
    return scan_week(lambda write: unit_of_work(engine, write=write), now=clocks.now, tenants_and_teams=teams)


JOBS: tuple[Enqueue, ...] = (
    Enqueue("points_expiry", _expire_points, hourly=True),
    Enqueue("duplicate_scan", _scan_duplicates, hourly=True),
)
