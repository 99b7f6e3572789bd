"""Birthday greetings (solar and lunar) for key contacts: to the owner's DM and the team's channel.

Each local date of the tick's zones is converted to lunar once (`birthday_keys_for`), which yields the handful of
stored ``(month, day, leap)`` values celebrating today; the SQL predicate matches them against the
``(birthday_is_lunar, birthday_month, birthday_day)`` index (`bot.services.agenda.birthday_predicate`, shared
with `today`). No stored birthday is ever converted.
Greetings go out from the owner's morning hour until `greeting_cutoff_hour`; after that the day's greeting
is stale and is neither enqueued nor sent. Days the bot missed entirely are recorded as stale greetings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import String, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.calendar.birthdays import birthday_keys_for
from bot.notifications import kinds
from bot.notifications.catch_up import missed_days
from bot.notifications.local_time import LocalMoment
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from bot.services.agenda import birthday_predicate
from storage.models import ChatConversation, Contact, Customer, User

Owner = aliased(User, name="owner")


def enqueue_birthdays(session: Session, clocks: ZoneClocks) -> int:
    """Today's birthdays in every zone before the cutoff hour → one greeting per contact to the owner, one per
    team channel. Zones sharing a local date share one pair of statements (one set of birthday keys).

    After downtime, the greetings of days without any pass are enqueued already stale: the dispatcher records
    them as skipped (never sent late), and the managers' digest counts them."""
    inserted = sum(_enqueue_day(session, day, zones, missed=True) for day, zones in _missed(clocks).items())
    cutoff = clocks.settings.scheduler.greeting_cutoff_hour
    open_zones = clocks.only(lambda m: m.hour < cutoff)
    if open_zones is None:
        return inserted
    return inserted + sum(_enqueue_day(session, day, zones) for day, zones in open_zones.by_local_date().items())


def _missed(clocks: ZoneClocks) -> dict[date, ZoneClocks]:
    """Each day without a pass (in some zone), with the zones that missed it."""
    zones_by_day: dict[date, list[LocalMoment]] = defaultdict(list)
    for moment in clocks.moments:
        last = clocks.last_pass.astimezone(moment.tz) if clocks.last_pass is not None else None
        for day in missed_days(last, moment.today):
            zones_by_day[day].append(moment)
    return {day: replace(clocks, moments=tuple(zones)) for day, zones in sorted(zones_by_day.items())}


def _enqueue_day(session: Session, today: date, clocks: ZoneClocks, *, missed: bool = False) -> int:
    keys = birthday_keys_for(today, feb29_on=clocks.settings.scheduler.feb29_on)
    cutoff = clocks.settings.scheduler.greeting_cutoff_hour
    stale_after = clocks.at(Owner, (lambda m: today) if missed else (lambda m: m.today), cutoff)
    common = (
        Contact.deleted_at.is_(None),
        birthday_predicate(keys),
        Customer.deleted_at.is_(None),
        Customer.pooled_at.is_(None),
        Owner.deactivated_at.is_(None),
        clocks.in_zones(Owner),
        *(() if missed else (clocks.morning_passed(Owner),)),
    )
    to_owner = (
        select(*outbox_columns(
            kinds.BIRTHDAY, subject_id=Contact.id, due_date=today, channel=user_channel(Customer.owner_id),
            recipient_id=Customer.owner_id, clocks=clocks, audience=Owner, stale_after=stale_after,
        ))
        .select_from(Contact)
        .join(Customer, Customer.id == Contact.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(*common)
    )
    inserted = insert_selected(session, to_owner)

    team_channel = aliased(ChatConversation, name="team_channel")
    channel_key = (
        team_channel.platform + literal(":", String()) + team_channel.workspace + literal(":", String())
        + team_channel.conversation_id
    )
    to_team = (
        select(*outbox_columns(
            kinds.BIRTHDAY, subject_id=Contact.id, due_date=today, channel=channel_key,
            recipient_id=Customer.owner_id, clocks=clocks, audience=Owner, stale_after=stale_after,
        ))
        .select_from(Contact)
        .join(Customer, Customer.id == Contact.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(team_channel, team_channel.team_id == Customer.team_id)
        .where(*common)
    )
    return inserted + insert_selected(session, to_team)
