"""Birthday greetings (solar and lunar) for key contacts: to the owner's DM and the team's channel.

Today's local date is converted to lunar once per zone (`birthday_keys_for`), which yields the handful of
stored ``(month, day, leap)`` values celebrating today; the SQL predicate matches them against the
``(birthday_is_lunar, birthday_month, birthday_day)`` index (`bot.services.agenda.birthday_predicate`, shared
with `today`). No stored birthday is ever converted.
Greetings go out from the owner's morning hour until `greeting_cutoff_hour`; after that the day's greeting
is stale and is neither enqueued nor sent.
"""

from __future__ import annotations

from sqlalchemy import String, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.calendar.birthdays import birthday_keys_for
from bot.notifications import kinds
from bot.notifications.outbox_sql import ZonePass, insert_selected, outbox_columns, user_channel
from bot.services.agenda import birthday_predicate
from storage.models import ChatConversation, Contact, Customer, User

Owner = aliased(User, name="owner")


def enqueue_birthdays(session: Session, zp: ZonePass) -> int:
    """Today's birthdays in this zone → one greeting per contact to the owner, one per team channel."""
    m = zp.moment
    if m.hour >= zp.settings.scheduler.greeting_cutoff_hour:
        return 0
    keys = birthday_keys_for(m.today, feb29_on=zp.settings.scheduler.feb29_on)
    stale_after = m.at(m.today, zp.settings.scheduler.greeting_cutoff_hour)
    common = (
        Contact.deleted_at.is_(None),
        birthday_predicate(keys),
        Customer.deleted_at.is_(None),
        Owner.deactivated_at.is_(None),
        zp.in_zone(Owner),
        zp.morning_passed(Owner),
    )
    to_owner = (
        select(*outbox_columns(
            kinds.BIRTHDAY, subject_id=Contact.id, due_date=m.today, channel=user_channel(Customer.owner_id),
            recipient_id=Customer.owner_id, zone_pass=zp, stale_after=stale_after,
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
            kinds.BIRTHDAY, subject_id=Contact.id, due_date=m.today, channel=channel_key,
            recipient_id=Customer.owner_id, zone_pass=zp, stale_after=stale_after,
        ))
        .select_from(Contact)
        .join(Customer, Customer.id == Contact.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(team_channel, team_channel.team_id == Customer.team_id)
        .where(*common)
    )
    return inserted + insert_selected(session, to_team)
