"""The demo's sales organisation: teams, their managers, reps in several time zones, and an admin.

Everyone gets a terminal-chat identity under their user name, so ``crmbot chat --as mgr_east`` (or any rep's
name) logs in as them at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from pypinyin import lazy_pinyin
from sqlalchemy import Connection, insert

from bot import platforms
from bot.demo.names import FIRST_NAMES, LAST_NAMES, chinese_person
from bot.importing.bulk import allocate_ids
from storage.models import ManagerTeam, Team, User, UserIdentity

# (team name, manager user name, shares customers, time zones of its reps, language). A team's first rep
# works in its first zone, so even the smallest demo has reps in four zones.
TEAMS: tuple[tuple[str, str, bool, tuple[str, ...], str], ...] = (
    ("华东销售部", "mgr_east", True, ("Asia/Shanghai",) * 6 + ("Asia/Hong_Kong",), "zh"),
    ("华南销售部", "mgr_south", False, ("Asia/Singapore",) + ("Asia/Shanghai",) * 5 + ("Asia/Hong_Kong",), "zh"),
    ("华北销售部", "mgr_north", True, ("Asia/Tokyo",) + ("Asia/Shanghai",) * 6, "zh"),
    ("Global Accounts", "mgr_global", False, ("Europe/London", "America/New_York", "America/Los_Angeles",
                                              "Europe/Berlin", "Asia/Singapore"), "en"),
)
ADMIN_NAME = "admin"


@dataclass(frozen=True, slots=True)
class Rep:
    """A rep as the generator needs them."""

    id: int
    team_id: int
    team_index: int
    timezone: str
    morning_hour: int
    language: str


@dataclass(frozen=True)
class Organisation:
    """Who was created: reps by team, managers, the admin."""

    reps: tuple[Rep, ...]
    managers: dict[int, int]  # team id -> manager user id
    admin_id: int
    team_ids: tuple[int, ...]


def rep_count_for(customers: int) -> int:
    """About 300 customers per rep (200 owners for 60,000), 8 to 500 reps."""
    return max(2 * len(TEAMS), min(500, customers // 300))


def create_organisation(conn: Connection, *, tenant: str, customers: int, rng: random.Random, now: datetime) -> Organisation:
    """Insert teams, users, identities and manager links; reps are spread evenly over the teams."""
    team_ids = allocate_ids(conn, Team.__table__, len(TEAMS))
    conn.execute(insert(Team.__table__), [
        {"id": tid, "tenant": tenant, "name": name, "shares_customers": shares, "created_at": now}
        for tid, (name, _, shares, _, _) in zip(team_ids, TEAMS, strict=True)
    ])
    users: list[dict] = []
    used_names: set[str] = set()

    def user_row(name: str, display: str, role: str, team_id: int | None, tz: str, lang: str, morning: int) -> dict:
        base, n = name, 1
        while name in used_names:
            n += 1
            name = f"{base}{n}"
        used_names.add(name)
        row = {"tenant": tenant, "name": name, "display_name": display, "role": role, "team_id": team_id,
               "timezone": tz, "language": lang, "morning_hour": morning, "created_at": now, "deactivated_at": None}
        users.append(row)
        return row

    user_row(ADMIN_NAME, "Admin", "admin", None, "Asia/Shanghai", "zh", 9)
    for (_, manager, _, zones, lang), team_id in zip(TEAMS, team_ids, strict=True):
        user_row(manager, manager.replace("_", " ").title(), "manager", team_id, zones[0], lang, 9)
    reps_total = rep_count_for(customers)
    rep_rows: list[tuple[dict, int]] = []
    for index in range(reps_total):
        team_index = index % len(TEAMS)
        _, _, _, zones, lang = TEAMS[team_index]
        if lang == "zh":
            display = chinese_person(rng)
            name = ".".join(lazy_pinyin(display[:1]) + ["".join(lazy_pinyin(display[1:]))])
        else:
            display = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            name = display.lower().replace(" ", ".")
        morning = rng.choice((8, 9, 9, 9, 10))
        zone = zones[0] if index < len(TEAMS) else rng.choice(zones)
        rep_rows.append((user_row(name, display, "rep", team_ids[team_index], zone, lang, morning), team_index))
    ids = allocate_ids(conn, User.__table__, len(users))
    for row, user_id in zip(users, ids, strict=True):
        row["id"] = user_id
    conn.execute(insert(User.__table__), users)
    conn.execute(insert(UserIdentity.__table__), [
        {"id": iid, "user_id": row["id"], "platform": platforms.local(), "workspace": "", "external_id": row["name"],
         "dm_channel": f"console:{row['name']}", "created_at": now}
        for iid, row in zip(allocate_ids(conn, UserIdentity.__table__, len(users)), users, strict=True)
    ])
    managers = {team_ids[i]: users[1 + i]["id"] for i in range(len(TEAMS))}
    conn.execute(insert(ManagerTeam.__table__), [{"manager_id": m, "team_id": t} for t, m in managers.items()])
    reps = tuple(Rep(row["id"], row["team_id"], team_index, row["timezone"], row["morning_hour"], row["language"])
                 for row, team_index in rep_rows)
    return Organisation(reps, managers, users[0]["id"], tuple(team_ids))
