"""Building scenarios for scheduler tests: people in zones, their customers, and a recording sender."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select

from adapters.console.render import render_reply
from bot.clock import FixedClock
from bot.messages import Reply, SentMessage, Target
from bot.notifications.dispatch import DispatchOptions
from bot.notifications.retry import RetryPolicy
from bot.ports import DeliveryError
from config.settings import Settings
from schedules.tick import NotificationTick, TickReport
from storage.models import (
    ChatConversation,
    Contact,
    Customer,
    FollowUp,
    ManagerTeam,
    NotificationOutbox,
    Order,
    Team,
    User,
    UserIdentity,
)


@dataclass
class Push:
    """One message a sender was asked to deliver."""

    target: Target
    reply: Reply

    @property
    def text(self) -> str:
        return render_reply(self.reply)

    @property
    def to(self) -> str:
        return self.target.user or self.target.channel or "?"


@dataclass
class RecordingSender:
    """A `Sender` that records pushes; `failures` is a queue of exceptions to raise on the next sends."""

    platform: str = "console"
    pushes: list[Push] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    attempts: int = 0
    max_message_chars: int | None = None  # what a platform's sender declares; None: the platform default

    def send(self, target: Target, reply: Reply) -> SentMessage:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.pushes.append(Push(target, reply))
        return SentMessage(self.platform, target.workspace, target.channel or target.user or "",
                           str(len(self.pushes)))

    def update(self, message: SentMessage, reply: Reply) -> None:
        raise DeliveryError("updates are not used by the scheduler", permanent=True)

    def to(self, who: str) -> list[Push]:
        return [push for push in self.pushes if push.to == who]

    def texts(self, who: str | None = None) -> list[str]:
        return [push.text for push in self.pushes if who is None or push.to == who]


class World:
    """A tenant with people, customers and their history, written straight into the database."""

    def __init__(self, engine: Engine, settings: Settings, clock: FixedClock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.sender = RecordingSender()
        self.senders: dict[str, object] = {"console": self.sender}
        self.tenant = "console"
        self._tick: NotificationTick | None = None

    # -- people ---------------------------------------------------------------------------------------

    def user(self, name: str, *, tz: str | None = None, lang: str = "en", role: str = "rep",
             team: str | None = None, morning_hour: int | None = None, platform: str = "console") -> int:
        with Session(self.engine) as session:
            team_id = self._team(session, team) if team else None
            user = User(tenant=self.tenant, name=name, display_name=name, role=role, team_id=team_id,
                        timezone=tz, language=lang, morning_hour=morning_hour)
            session.add(user)
            session.flush()
            session.add(UserIdentity(user_id=user.id, platform=platform, workspace="", external_id=name,
                                     dm_channel=f"{platform}:{name}"))
            if role == "manager" and team_id is not None:
                session.add(ManagerTeam(manager_id=user.id, team_id=team_id))
            session.commit()
            return user.id

    def team_channel(self, team: str, channel: str, *, platform: str = "console") -> None:
        with Session(self.engine) as session:
            session.add(ChatConversation(platform=platform, workspace="", conversation_id=channel,
                                         team_id=self._team(session, team)))
            session.commit()

    def _team(self, session: Session, name: str) -> int:
        found = session.exec(select(Team.id).where(Team.tenant == self.tenant, Team.name == name)).first()
        if found is not None:
            return found
        team = Team(tenant=self.tenant, name=name)
        session.add(team)
        session.flush()
        return team.id

    # -- the book ---------------------------------------------------------------------------------------

    def customer(self, name: str, owner: int, *, created: datetime | None = None, team: str | None = None) -> int:
        with Session(self.engine) as session:
            team_id = self._team(session, team) if team else session.get(User, owner).team_id
            at = created or self.clock.now()
            customer = Customer(tenant=self.tenant, name=name, owner_id=owner, team_id=team_id, created_at=at,
                                updated_at=at)
            session.add(customer)
            session.commit()
            return customer.id

    def step(self, customer: int, *, due_at: datetime | None = None, due_date: date | None = None,
             step: str = "call back", zone: str = "Asia/Shanghai", morning: int = 9) -> int:
        """An open next step: with a time (`due_at`) or date-only (`due_date`, due at `morning`)."""
        with Session(self.engine) as session:
            owner = session.get(User, session.get(Customer, customer).owner_id)
            if due_at is None:
                assert due_date is not None
                due_at = datetime.combine(due_date, time(morning), tzinfo=ZoneInfo(zone)).astimezone(UTC)
                has_time = False
            else:
                due_date = due_at.astimezone(ZoneInfo(zone)).date()
                has_time = True
            followup = FollowUp(customer_id=customer, author_id=owner.id, text="talked", happened_at=self.clock.now(),
                                next_step=step, next_due_at=due_at, next_due_date=due_date,
                                next_due_has_time=has_time, created_at=self.clock.now())
            session.add(followup)
            session.commit()
            return followup.id

    def contacts_on(self, customer: int, *days: date) -> None:
        """Past contacts (follow-ups with no next step) on these days, at noon UTC."""
        with Session(self.engine) as session:
            owner = session.get(Customer, customer).owner_id
            for day in days:
                at = datetime.combine(day, time(12), tzinfo=UTC)
                session.add(FollowUp(customer_id=customer, author_id=owner, text="touch base", happened_at=at,
                                     created_at=at))
            session.commit()

    def contact(self, customer: int, name: str, *, month: int, day: int, lunar: bool = False, leap: bool = False,
                year: int | None = None, greeting_language: str | None = None) -> int:
        with Session(self.engine) as session:
            contact = Contact(customer_id=customer, name=name, birthday_month=month, birthday_day=day,
                              birthday_is_lunar=lunar, birthday_is_leap_month=leap, birthday_year=year,
                              greeting_language=greeting_language)
            session.add(contact)
            session.commit()
            return contact.id

    def order(self, customer: int, amount: str, *, due: date, ordered: date | None = None) -> int:
        with Session(self.engine) as session:
            owner = session.get(Customer, customer).owner_id
            order = Order(customer_id=customer, amount=Decimal(amount), ordered_on=ordered or due - timedelta(days=30),
                          payment_due=due, created_by=owner)
            session.add(order)
            session.commit()
            return order.id

    # -- the scheduler ---------------------------------------------------------------------------------

    def tick(self, at: datetime | None = None, **options) -> TickReport:
        """One pass at `at` (the clock stays there afterwards)."""
        if at is not None:
            self.clock.set(at)
        if self._tick is None or options:
            opts = DispatchOptions(**{"worker_id": "test-worker", "retry": RetryPolicy(rng=random.Random(7)), **options})
            self._tick = NotificationTick(engine=self.engine, settings=self.settings, clock=self.clock,
                                          senders=self.senders, options=opts)
        return self._tick()

    def outbox(self) -> list[NotificationOutbox]:
        with Session(self.engine) as session:
            return list(session.exec(select(NotificationOutbox).order_by(NotificationOutbox.id)).all())


def local(zone: str, *args: int) -> datetime:
    """An aware local wall time: ``local("America/New_York", 2026, 3, 8, 9)``."""
    return datetime(*args, tzinfo=ZoneInfo(zone))


def delivered(report: TickReport) -> list[tuple[str, str]]:
    """(kind, recipient) of every occasion a tick delivered, in order."""
    return [(d.kind, d.recipient) for d in report.dispatched.delivered]
