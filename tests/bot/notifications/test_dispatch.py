"""Dispatch: the noise budget, retries with backoff and Retry-After, dead letters, leases and replicas."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import Session, select

from bot.messages import Reply, SentMessage, Target
from bot.notifications.claim import claim_due
from bot.notifications.dispatch import DispatchOptions
from bot.notifications.enqueue import Enqueuer
from bot.notifications.retry import RetryPolicy
from bot.notifications.units import SUMMARY_LINES
from bot.ports import DeliveryError
from schedules.tick import NotificationTick
from storage.models import FollowUp, UserIdentity
from tests.bot.notifications.helpers import RecordingSender, delivered, local

SH = "Asia/Shanghai"
NOW = local(SH, 2026, 11, 18, 10, 0)


def steps_for(world, owner: int, count: int, *, prefix: str = "C") -> None:
    for n in range(count):
        world.step(world.customer(f"{prefix}{n}", owner), due_at=NOW - timedelta(minutes=n + 1), zone=SH,
                   step=f"step {prefix}{n}")


def test_more_pushes_than_the_budget_become_one_summary_and_nothing_is_lost(world):
    alice = world.user("alice", tz=SH)
    bob = world.user("bob", tz=SH)
    steps_for(world, alice, 7, prefix="A")  # budget is 5 per recipient per tick
    steps_for(world, bob, 2, prefix="B")

    report = world.tick(NOW)

    assert sorted(delivered(report)) == sorted([("followup_due", "alice")] * 7 + [("followup_due", "bob")] * 2)
    [summary] = world.sender.to("alice")
    assert "7 notifications" in summary.text
    assert all(f"step A{n}" in summary.text for n in range(7))
    assert len(world.sender.to("bob")) == 2
    assert {row.status for row in world.outbox()} == {"sent"}


def test_a_long_summary_lists_the_first_lines_and_counts_the_rest_per_kind(world, engine):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, SUMMARY_LINES + 10, prefix="A")
    customer = world.customer("Late Ltd", alice)
    done = world.step(customer, due_at=NOW - timedelta(minutes=1), zone=SH, step="already done")
    Enqueuer(engine, world.settings).enqueue_due(NOW)
    with Session(engine) as session:
        followup = session.get(FollowUp, done)
        followup.done_at = NOW - timedelta(seconds=30)  # done after the push was queued, before it went out
        session.add(followup)
        session.commit()

    report = world.tick(NOW)

    [summary] = world.sender.to("alice")
    assert f"{SUMMARY_LINES + 10} notifications" in summary.text  # the done step is not among them
    assert sum(f"step A{n} (" in summary.text for n in range(SUMMARY_LINES + 10)) == SUMMARY_LINES
    assert "and 10 more: 10 × follow-up due" in summary.text
    assert len(delivered(report)) == SUMMARY_LINES + 10
    statuses = {row.subject_id: row.status for row in world.outbox()}
    assert statuses.pop(done) == "dead" and set(statuses.values()) == {"sent"}


def test_a_pass_reads_subjects_per_kind_not_per_pending_row(world, engine):
    """The statements of a tick do not grow with the rows an audience has pending (render what you send)."""
    alice = world.user("alice", tz=SH)
    bob = world.user("bob", tz=SH)

    def statements_of_a_tick(at, steps: int) -> int:
        steps_for(world, alice, steps, prefix=f"A{steps}-")
        steps_for(world, bob, steps, prefix=f"B{steps}-")
        executed = []
        listener = lambda *args: executed.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            world.tick(at)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(executed)

    few = statements_of_a_tick(NOW, 8)
    many = statements_of_a_tick(NOW + timedelta(days=1), 60)

    assert many == few
    assert len(world.sender.to("alice")) == 2  # one summary per pass


def test_a_429_is_retried_after_retry_after_and_the_targets_other_pushes_wait_too(world):
    alice = world.user("alice", tz=SH)
    bob = world.user("bob", tz=SH)
    steps_for(world, alice, 2, prefix="A")
    steps_for(world, bob, 1, prefix="B")
    world.sender.failures.append(DeliveryError("ratelimited", retry_after=30))

    report = world.tick(NOW)

    assert delivered(report) == [("followup_due", "bob")]
    assert world.sender.attempts == 2  # alice once (429), bob once; alice's second push was not tried
    alice_rows = [row for row in world.outbox() if row.recipient_id == alice]
    assert {row.status for row in alice_rows} == {"pending"}
    assert sorted(row.attempts for row in alice_rows) == [0, 1]
    assert all(row.not_before >= NOW + timedelta(seconds=30) for row in alice_rows)
    assert delivered(world.tick(NOW + timedelta(seconds=29))) == []
    assert sorted(delivered(world.tick(NOW + timedelta(seconds=31)))) == [("followup_due", "alice")] * 2


def test_transient_failures_back_off_exponentially_then_become_a_dead_letter(world):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 1)
    world.sender.failures.extend(DeliveryError("HTTP 503") for _ in range(20))
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=8, rng=random.Random(3))

    delays = []
    world.tick(NOW, retry=policy)
    for _ in range(10):
        [row] = world.outbox()
        if row.status != "pending":
            break
        delays.append((row.attempts, (row.not_before - world.clock.now()).total_seconds()))
        world.tick(row.not_before)

    [row] = world.outbox()
    assert row.status == "dead" and row.attempts == 8
    assert row.last_error == "gave up after 8 attempts: HTTP 503"
    assert [attempts for attempts, _ in delays] == list(range(1, 8))
    assert all(1 <= seconds <= 30 * 2 ** (attempts - 1) for attempts, seconds in delays)
    assert world.sender.pushes == []


def test_a_permanent_error_makes_a_dead_letter_at_once_with_the_reason(world):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 1)
    world.sender.failures.append(DeliveryError("channel_not_found", permanent=True))

    report = world.tick(NOW)

    assert report.dispatched.dead and delivered(report) == []
    [row] = world.outbox()
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "permanent: channel_not_found")
    assert delivered(world.tick(NOW + timedelta(hours=1))) == []


def test_a_user_without_any_chat_identity_is_a_dead_letter_not_a_silent_drop(world, engine):
    alice = world.user("alice", tz=SH)
    with Session(engine) as session:
        for identity in session.exec(select(UserIdentity).where(UserIdentity.user_id == alice)).all():
            session.delete(identity)
        session.commit()
    steps_for(world, alice, 1)

    world.tick(NOW)

    [row] = world.outbox()
    assert row.status == "dead" and row.last_error.startswith("unroutable:")


def test_pushes_for_a_platform_without_a_sender_here_wait_for_one(world):
    alice = world.user("alice", tz=SH, platform="slack")
    steps_for(world, alice, 1)

    world.tick(NOW)
    [row] = world.outbox()
    assert row.status == "pending" and "no sender for platform 'slack'" in row.last_error

    slack = RecordingSender(platform="slack")
    world.senders["slack"] = slack
    assert delivered(world.tick(row.not_before)) == [("followup_due", "alice")]
    assert slack.pushes[0].target == Target(platform="slack", workspace="", user="alice")


def test_a_sender_bug_is_reported_and_retried(world):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 1)
    world.sender.failures.append(RuntimeError("boom"))

    world.tick(NOW)

    [row] = world.outbox()
    assert row.status == "pending" and row.last_error.startswith("unexpected error (E-")


def test_two_replicas_ticking_together_deliver_each_occasion_once(world, engine, settings):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 3)
    world.clock.set(NOW)
    replicas = [
        NotificationTick(engine=engine, settings=settings, clock=world.clock, senders=world.senders,
                         options=DispatchOptions(worker_id=f"replica-{n}"))
        for n in range(2)
    ]
    reports = [replica() for replica in replicas] + [replica() for replica in replicas]

    assert sum(report.enqueued.total for report in reports) == 3
    assert sum(len(report.dispatched.delivered) for report in reports) == 3
    assert len(world.sender.pushes) == 3


def test_a_claim_whose_worker_died_is_taken_over_after_the_lease(world, engine):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 1)
    world.senders.clear()
    world.tick(NOW)  # enqueued; no sender, so the row waits
    [row] = world.outbox()
    world.senders["console"] = world.sender
    # A worker claims the row and dies before sending.
    [claimed] = claim_due(engine, worker_id="dead-worker", now=row.not_before, lease_seconds=120, audiences=10)

    assert delivered(world.tick(row.not_before + timedelta(seconds=60))) == []  # lease still running
    report = world.tick(row.not_before + timedelta(seconds=121))
    assert delivered(report) == [("followup_due", "alice")]
    [row] = world.outbox()
    assert row.status == "sent" and row.attempts == claimed.attempts + 1


@dataclass
class VerifyingSender(RecordingSender):
    """A sender that can look up earlier deliveries (as Slack can with message metadata)."""

    def find_delivered(self, target: Target, outbox_ids: list[int]) -> SentMessage | None:
        for push in self.pushes:
            if set(push.reply.extras.get("outbox_ids", [])) == set(outbox_ids):
                return SentMessage(self.platform, target.workspace, target.user or "", "earlier")
        return None


def test_a_reclaimed_row_already_delivered_is_not_sent_again_when_the_sender_can_check(world, engine):
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 1)
    world.senders.clear()
    world.tick(NOW)  # enqueued; no sender yet, so it waits for a retry
    [row] = world.outbox()
    [claimed] = claim_due(engine, worker_id="crashed", now=row.not_before, lease_seconds=120, audiences=10)
    sender = VerifyingSender()
    # The crashed worker had sent it, then died before marking it sent.
    sender.send(Target("console", "", user="alice"), Reply(text="earlier push", extras={"outbox_ids": [claimed.id]}))
    world.senders["console"] = sender

    report = world.tick(row.not_before + timedelta(seconds=121))

    assert delivered(report) == [("followup_due", "alice")]
    assert len(sender.pushes) == 1
    [row] = world.outbox()
    assert row.status == "sent" and row.provider_msg_id == "earlier"


def test_a_platforms_messages_per_minute_per_conversation_is_kept_the_rest_wait_a_minute(world):
    from bot.platforms import Capabilities

    world.sender.capabilities = Capabilities(max_message_chars=3000, messages_per_minute=2)
    alice = world.user("alice", tz=SH)
    steps_for(world, alice, 3, prefix="A")  # three pushes into one conversation, within the noise budget

    assert delivered(world.tick(NOW)) == [("followup_due", "alice")] * 2
    waiting = [row for row in world.outbox() if row.status == "pending"]
    assert len(waiting) == 1 and waiting[0].attempts == 0 and waiting[0].not_before >= NOW + timedelta(minutes=1)
    assert delivered(world.tick(NOW + timedelta(seconds=30))) == []
    assert delivered(world.tick(NOW + timedelta(minutes=1, seconds=1))) == [("followup_due", "alice")]
