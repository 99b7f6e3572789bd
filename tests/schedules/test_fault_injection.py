"""Kill -9 in the middle of dispatch: several tick processes on one database, one SIGKILLed mid-send.

After the dead worker's lease runs out, one more tick takes over its rows. The promise checked:
every occasion ends sent (or dead), none is missing, none was enqueued twice, and the only duplicates
are messages the killed process had sent but not yet marked (at most one per kill).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from storage.models import Customer, FollowUp, NotificationOutbox, User, UserIdentity

WORKER = Path(__file__).with_name("tick_worker.py")
REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
USERS, STEPS_PER_USER = 100, 3  # 300 occasions; 3 per rep stays under the noise budget of 5
REPLICAS = 3
LEASE_SECONDS = 30


def spawn(db_url: str, now: datetime, record: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), "--db-url", db_url, "--now", now.isoformat(), "--record", str(record),
         "--delay", "0.01", "--lease", str(LEASE_SECONDS)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def seed_due_steps(engine) -> None:
    """USERS console reps, each with STEPS_PER_USER customers whose next step fell due minutes ago."""
    with Session(engine) as session:
        for n in range(USERS):
            rep = User(tenant="console", name=f"rep{n:03d}", timezone="Asia/Shanghai", language="en")
            session.add(rep)
            session.flush()
            session.add(UserIdentity(user_id=rep.id, platform="console", external_id=rep.name))
            for k in range(STEPS_PER_USER):
                customer = Customer(tenant="console", name=f"Customer {n}-{k}", owner_id=rep.id)
                session.add(customer)
                session.flush()
                due = NOW - timedelta(minutes=k + 1)
                session.add(FollowUp(customer_id=customer.id, author_id=rep.id, text="met", next_step="call back",
                                     next_due_at=due, next_due_date=due.date(), next_due_has_time=True))
        session.commit()


def recorded(record: Path) -> list[tuple[int, int]]:
    if not record.exists():
        return []
    lines = record.read_text().splitlines()
    return [(int(pid), int(outbox_id)) for pid, outbox_id in (line.split() for line in lines if line.strip())]


def test_sigkill_mid_dispatch_loses_nothing_and_duplicates_at_most_one_per_kill(database_url, engine, tmp_path):
    seed_due_steps(engine)
    engine.dispose()  # the workers own the database now
    record = tmp_path / "deliveries.log"

    workers = [spawn(database_url, NOW, record) for _ in range(REPLICAS)]
    victim = None
    deadline = time.monotonic() + 40
    while victim is None and time.monotonic() < deadline:
        per_pid = Counter(pid for pid, _ in recorded(record))
        victim = next((w for w in workers if per_pid[w.pid] >= 10 and w.poll() is None), None)
        if victim is None:
            time.sleep(0.005)  # polling the record file for the moment to strike, not waiting for the clock
    assert victim is not None, "no worker got far enough into dispatch to be killed"
    victim.send_signal(signal.SIGKILL)
    for worker in workers:
        _, err = worker.communicate(timeout=60)
        assert worker is victim or worker.returncode == 0, err.decode()
    assert victim.returncode == -signal.SIGKILL

    # The killed worker's rows stay `sending` until its lease runs out; then any tick takes them over.
    takeover = spawn(database_url, NOW + timedelta(seconds=LEASE_SECONDS + 1), record)
    _, err = takeover.communicate(timeout=60)
    assert takeover.returncode == 0, err.decode()

    with Session(engine) as session:
        statuses: dict[str, int] = dict(session.execute(
            select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)).all())
        ids = set(session.execute(select(NotificationOutbox.id)).scalars())
    deliveries = Counter(outbox_id for _, outbox_id in recorded(record))
    occasions = USERS * STEPS_PER_USER
    assert len(ids) == occasions  # enqueued exactly once, though every process ran the enqueue
    assert statuses == {"sent": occasions}
    assert set(deliveries) == ids  # none missing
    duplicates = sum(count - 1 for count in deliveries.values())
    assert duplicates <= 1  # one kill
