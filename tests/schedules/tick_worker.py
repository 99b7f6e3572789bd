"""A `crmbot tick` process for the fault-injection test, with a sender that records every delivery.

It builds the runtime exactly like `crmbot tick` does, registers the recording sender for the console
platform with `runtime.add_sender`, and calls the same `adapters.scheduling.tick_once`. Each delivered
outbox id is appended (O_APPEND, one short line per write, so concurrent writers never interleave) to the
record file, as a chat platform would record a message arriving.

    python tests/schedules/tick_worker.py --db-url URL --now ISO --record FILE [--delay 0.01] [--lease 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.scheduling import tick_once  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.messages import Reply, SentMessage, Target  # noqa: E402
from bot.notifications.dispatch import DispatchOptions  # noqa: E402
from config.settings import load_settings  # noqa: E402


class RecordingSender:
    """Delivers by appending ``<pid> <outbox id>`` lines to a file, after a short network-like delay."""

    platform = "console"

    def __init__(self, path: Path, delay: float) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.delay = delay
        self.count = 0

    def send(self, target: Target, reply: Reply) -> SentMessage:
        time.sleep(self.delay)  # the HTTP round trip of a real platform: a window for SIGKILL to land in
        for outbox_id in reply.extras.get("outbox_ids", []):
            os.write(self.fd, f"{os.getpid()} {outbox_id}\n".encode())
        self.count += 1
        return SentMessage(self.platform, target.workspace, target.user or target.channel or "", str(self.count))

    def update(self, message: SentMessage, reply: Reply) -> None:
        raise NotImplementedError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--now", required=True, type=datetime.fromisoformat)
    parser.add_argument("--record", required=True, type=Path)
    parser.add_argument("--delay", type=float, default=0.01)
    parser.add_argument("--lease", type=float, default=30.0)
    args = parser.parse_args()
    runtime = bootstrap(load_settings(database_url=args.db_url, log_level="WARNING"), clock=FixedClock(args.now),
                        migrate=False)
    runtime.add_sender(RecordingSender(args.record, args.delay))
    report = tick_once(runtime, options=DispatchOptions(worker_id=f"worker-{os.getpid()}", lease_seconds=args.lease,
                                                        batch_size=10))
    print(f"delivered {len(report.dispatched.delivered)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
