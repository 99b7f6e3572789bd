"""A `crmbot tick` killed in the middle of its pass has already printed a line for everything it sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tests.bot.notifications.helpers import World, local

ROOT = Path(__file__).resolve().parents[2]
SH = "Asia/Shanghai"

# The real `crmbot tick`, whose console sender dies (SIGKILL, no cleanup) while sending the second push: the
# moment a platform's HTTP call would be in flight.
HARNESS = """
import os, signal, sys
sys.path.insert(0, {root!r})
from adapters.console.chat import ConsoleSender
from adapters.cli import main
sent = []
original = ConsoleSender.send
def send(self, target, reply):
    if sent:
        os.kill(os.getpid(), signal.SIGKILL)
    sent.append(target)
    return original(self, target, reply)
ConsoleSender.send = send
sys.exit(main(["tick", "--now", "2026-11-18T10:00:00+08:00"]))
"""


def test_a_killed_tick_has_printed_each_delivery_it_made(engine, settings, clock, database_url, tmp_path):
    world = World(engine, settings, clock)
    for name in ("alice", "bob", "carol"):
        owner = world.user(name, tz=SH)
        world.step(world.customer(f"{name} Co", owner), due_at=local(SH, 2026, 11, 18, 9, 0), step="call back")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "SLACK_", "DINGTALK_"))}
    env["CRM_DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-c", HARNESS.format(root=str(ROOT))], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120)

    assert result.returncode == -9  # killed, no summary, no cleanup
    printed = [line for line in result.stdout.splitlines() if line.startswith("delivered ")]
    with engine.connect() as conn:
        statuses = [row[0] for row in conn.execute(text("SELECT status FROM notification_outbox"))]
    assert len(printed) == 1 and printed[0].startswith("delivered followup_due ")
    assert sorted(statuses) == ["sending", "sending", "sent"]  # the rest wait for their lease to run out
