"""Every write path under real concurrent threads (PostgreSQL and SQLite): nothing lost, nothing doubled, no
internal error shown, and the "only one" invariants hold whatever the interleaving."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import count
from typing import TypeVar

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.messages import InboundKind, Incoming
from storage.models import AuditLog, Customer, FollowUp, NotificationOutbox, Order, Reminder, SharedCard, User
from storage.uow import run_in_transaction
from tests.support.chat import Chat

T = TypeVar("T")
_ids = count(1)


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["root"]},
        "teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob", "carl"],
                   "shares_customers": True}],
    }


@pytest.fixture
def people(chat: Chat):
    users = {name: chat.user(name) for name in ("alice", "bob", "carl", "mia", "root")}
    for user in users.values():
        user.say("help")
    return users


def at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Run every job on its own thread, released together by a barrier; the results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], T]) -> T:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def say(bot, name: str, text: str, *, message_id: str | None = None, thread: str | None = None) -> str:
    """One message from `name` with its own message id (as every platform sends); the reply texts joined."""
    incoming = Incoming(platform="console", workspace="", channel=f"console:{name}", user_id=name, user_name=name,
                        text=text, message_id=message_id or f"c-{next(_ids)}", thread=thread, is_direct=True)
    replies = bot.handle(incoming)
    for reply in replies:
        assert reply.error_ref is None, reply.text
    return "\n".join(str(reply.text or "") for reply in replies)


def no_errors(outputs: list[str]) -> None:
    assert not [out for out in outputs if "Reference: E-" in out or "参考编号" in out]


def rows(engine, model, *where) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where)).all())


def open_steps(engine, customer_id: int) -> list[FollowUp]:
    return rows(engine, FollowUp, FollowUp.customer_id == customer_id, FollowUp.done_at.is_(None),
                FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None))


def customer(engine, name: str) -> Customer:
    (found,) = rows(engine, Customer, Customer.name == name)
    return found


# -- log, done, snooze: one open next step ----------------------------------------------------------------------

def test_concurrent_logs_with_next_steps_keep_every_follow_up_and_one_open_step(bot, engine, people):
    people["alice"].say("new Acme")
    outs = at_once([lambda n=n: say(bot, "alice", f"log Acme call {n} next:tomorrow 10:00 step {n}")
                    for n in range(12)])
    no_errors(outs)
    acme = customer(engine, "Acme")
    assert len(rows(engine, FollowUp, FollowUp.customer_id == acme.id)) == 12
    (step,) = open_steps(engine, acme.id)
    assert acme.next_step == step.next_step and acme.next_followup_at == step.next_due_at


def test_teammates_logging_done_and_snoozing_at_once_leave_one_consistent_step(bot, engine, people):
    people["alice"].say("new Acme")
    people["alice"].say("log Acme met next:tomorrow 10:00 first step")
    jobs = []
    for n in range(4):
        jobs += [lambda n=n: say(bot, "bob", f"log Acme call {n} next:friday 15:00 step {n}"),
                 lambda: say(bot, "carl", "done Acme"),
                 lambda: say(bot, "alice", "snooze Acme 2d")]
    no_errors(at_once(jobs))
    acme = customer(engine, "Acme")
    steps = open_steps(engine, acme.id)
    assert len(steps) <= 1
    assert acme.next_step == (steps[0].next_step if steps else None)
    assert acme.next_followup_at == (steps[0].next_due_at if steps else None)
    assert len(rows(engine, FollowUp, FollowUp.customer_id == acme.id)) == 5


def test_concurrent_snoozes_all_count(bot, engine, people, clock):
    people["alice"].say("new Acme")
    people["alice"].say("log Acme met next:tomorrow 10:00 call back")
    (before,) = open_steps(engine, customer(engine, "Acme").id)
    no_errors(at_once([lambda: say(bot, "alice", "snooze Acme 1d") for _ in range(6)]))
    (after,) = open_steps(engine, customer(engine, "Acme").id)
    assert after.id == before.id
    assert after.next_due_at - before.next_due_at == timedelta(days=6)


# -- new, edit, order, paid, remind --------------------------------------------------------------------------------

def test_concurrent_creates_by_many_people_all_land(bot, engine, people):
    outs = at_once([lambda n=n: say(bot, ("alice", "bob", "carl")[n % 3], f'new "Conc {n} Ltd" force:yes')
                    for n in range(18)])
    no_errors(outs)
    assert all("Created customer" in out for out in outs)
    assert len(rows(engine, Customer)) == 18
    assert len(rows(engine, AuditLog, AuditLog.entity == "customer", AuditLog.action == "create")) == 18


def test_concurrent_edits_of_different_fields_all_stick(bot, engine, people):
    people["alice"].say("new Acme")
    fields = {"industry": "retail", "region": "east", "phone": "+8613800138000", "email": "a@acme.example",
              "address": "1 Main Street"}
    outs = at_once([lambda k=k, v=v: say(bot, ("alice", "bob")[len(k) % 2], f'edit Acme {k}:"{v}"')
                    for k, v in fields.items()])
    no_errors(outs)
    acme = customer(engine, "Acme")
    assert {k: getattr(acme, k) for k in fields} == fields


def test_concurrent_orders_and_one_paid(bot, engine, people):
    people["alice"].say("new Acme")
    no_errors(at_once([lambda n=n: say(bot, ("alice", "bob")[n % 2], f"order Acme {1000 + n}") for n in range(8)]))
    acme = customer(engine, "Acme")
    assert sorted(int(o.amount) for o in rows(engine, Order, Order.customer_id == acme.id)) == list(range(1000, 1008))
    outs = at_once([lambda name=name: say(bot, name, "paid #1") for name in ("alice", "bob", "carl") * 2])
    no_errors(outs)
    assert sum("already" in out for out in outs) == 5
    assert len(rows(engine, AuditLog, AuditLog.entity == "order", AuditLog.entity_id == 1,
                    AuditLog.action == "update")) == 1


def test_concurrent_reminders_are_all_kept(bot, engine, people):
    people["alice"].say("new Acme")
    no_errors(at_once([lambda n=n: say(bot, "alice", f"remind Acme friday 15:00 thing {n}") for n in range(10)]))
    assert sorted(r.text for r in rows(engine, Reminder)) == sorted(f"thing {n}" for n in range(10))


# -- assign, handover ------------------------------------------------------------------------------------------------

def test_concurrent_assigns_leave_one_owner_and_one_audit_per_move(bot, engine, people):
    people["alice"].say("new Acme")
    people["alice"].say("remind Acme friday 15:00 send contract")
    outs = at_once([lambda to=to: say(bot, "mia", f"assign Acme {to}") for to in ("bob", "carl", "bob", "carl")])
    no_errors(outs)
    acme = customer(engine, "Acme")
    moves = rows(engine, AuditLog, AuditLog.entity == "customer", AuditLog.action == "assign")
    assert len(moves) == sum("now belongs" in out for out in outs) >= 1
    (reminder,) = rows(engine, Reminder)
    assert reminder.assignee_id == acme.owner_id


def test_handover_while_reps_log_and_assign(bot, engine, people):
    for n in range(6):
        people["alice"].say(f"new Book {n}")
    jobs = [lambda: say(bot, "mia", "handover alice bob")]
    jobs += [lambda n=n: say(bot, "alice", f"log #{n + 1} call next:tomorrow 10:00 step {n}") for n in range(6)]
    jobs += [lambda: say(bot, "mia", "assign #1 carl")]
    no_errors(at_once(jobs))
    owners = {c.id: c.owner_id for c in rows(engine, Customer)}
    alice = rows(engine, User, User.name == "alice")[0].id
    assert alice not in owners.values()
    for customer_id in owners:
        assert len(open_steps(engine, customer_id)) == 1
    assert len(rows(engine, FollowUp)) == 6


# -- thread replies, shares, redeliveries ----------------------------------------------------------------------------

def test_thread_replies_and_their_redeliveries_log_once_each(bot, engine, people):
    people["alice"].say("new Acme")
    sharer = Incoming(platform="console", workspace="", channel="team", user_id="alice", user_name="alice", text="")
    bot.record_shared_card(customer_id=1, platform="console", workspace="", channel="team", message_id="100.1",
                           shared_by=sharer)

    def reply(n: int) -> list:
        who = ("alice", "bob")[n % 2]
        incoming = Incoming(platform="console", workspace="", channel="team", user_id=who, user_name=who,
                            text=f"reply {n // 2}, with a comma", message_id=f"team:{n // 2}", thread="100.1",
                            is_direct=False, kind=InboundKind.THREAD_REPLY)
        return bot.handle(incoming)

    answers = at_once([lambda n=n: reply(n) for n in range(12)])
    assert not [r for replies in answers for r in replies if r.error_ref]
    assert sorted(f.text for f in rows(engine, FollowUp)) == sorted(f"reply {n}, with a comma" for n in range(6))


def test_sharing_again_in_a_channel_keeps_one_live_card(bot, engine, people):
    people["alice"].say("new Acme")
    sharer = Incoming(platform="slack", workspace="T1", channel="C1", user_id="U1", user_name="alice", text="share")
    at_once([lambda n=n: bot.record_shared_card(customer_id=1, platform="slack", workspace="T1", channel="C1",
                                                message_id=f"{n}.0", shared_by=sharer) for n in range(8)])
    cards = rows(engine, SharedCard)
    assert len(cards) == 8
    assert len([c for c in cards if c.replaced_at is None]) == 1


# -- imports and ticks while reps work -------------------------------------------------------------------------------

def test_an_import_while_reps_work(bot, engine, people, tmp_path, clock, settings):
    from bot.importing import ImportOptions, acting_user, import_customers

    sheet = tmp_path / "book.csv"
    sheet.write_text("name,phone\n" + "".join(f"Imported {n},1390000{n:04d}\n" for n in range(200)), encoding="utf-8")
    with Session(engine, expire_on_commit=False) as session:
        root = acting_user(session, settings, "root")
        session.commit()

    def importing():
        return import_customers(engine, user=root, path=sheet, options=ImportOptions(workers=1), clock=clock)

    jobs: list[Callable[[], object]] = [importing]
    jobs += [lambda n=n: say(bot, ("alice", "bob")[n % 2], f'new "Typed {n}" force:yes') for n in range(8)]
    results = at_once(jobs)
    no_errors([r for r in results if isinstance(r, str)])
    assert results[0].created == 200
    assert len(rows(engine, Customer)) == 208


def test_ticks_while_reps_work_deliver_each_occasion_once(bot, engine, people, clock, settings):
    from bot.notifications.dispatch import DispatchOptions
    from schedules.tick import NotificationTick
    from tests.bot.notifications.helpers import RecordingSender

    people["alice"].say("new Acme")
    for n in range(4):
        people["alice"].say(f"new Due {n}")
        people["alice"].say(f"log Due {n} met next:today 11:00 call {n}")
    clock.advance(hours=2)
    sender = RecordingSender()
    ticks = [NotificationTick(engine=engine, settings=settings, clock=clock, senders={"console": sender},
                              options=DispatchOptions(worker_id=f"replica-{n}")) for n in range(3)]
    jobs: list[Callable[[], object]] = list(ticks)
    jobs += [lambda n=n: say(bot, "alice", f"log Acme call {n} next:tomorrow 10:00 step {n}") for n in range(4)]
    no_errors([r for r in at_once(jobs) if isinstance(r, str)])
    due = rows(engine, NotificationOutbox, NotificationOutbox.kind == "followup_due")
    assert len(due) == len({(o.subject_id, o.channel) for o in due}) == 4
    assert all(o.status == "sent" for o in due)
    reminders = [p.text for p in sender.pushes if "Follow-up due" in p.text]
    assert len(reminders) == len(set(reminders)) == 4
    assert len(open_steps(engine, customer(engine, "Acme").id)) == 1


# -- the retry itself ------------------------------------------------------------------------------------------------

def test_a_transaction_that_loses_a_unique_race_runs_again(engine, people, database_url):
    """Two transactions insert the same unique row; the loser's rerun sees the winner's and adapts (PostgreSQL:
    SQLite's writers queue at BEGIN, so they cannot race like this)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE")
    from storage.models import DigestSubscription

    manager = rows(engine, User, User.name == "mia")[0].id
    barrier = threading.Barrier(2)
    attempts: list[int] = []

    def subscribe(session: Session) -> str:
        attempts.append(1)
        found = session.exec(select(DigestSubscription).where(DigestSubscription.manager_id == manager)).first()
        if found is not None:
            return "existing"
        if len(attempts) <= 2:
            barrier.wait(timeout=10)  # both first attempts have looked before either inserts
        session.add(DigestSubscription(manager_id=manager, kind="daily", target="dm"))
        session.flush()
        return "created"

    outcomes = at_once([lambda: run_in_transaction(engine, subscribe) for _ in range(2)])
    assert sorted(outcomes) == ["created", "existing"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(DigestSubscription)).one() == 1
