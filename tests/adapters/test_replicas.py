"""Two `crmbot run` replicas on one PostgreSQL database behind a (pretend) load balancer: signed Slack requests
interleaved between them, from a known rep and from a person neither replica has met, all at once. Every request
is answered, none with an internal error, and the database holds exactly what was asked for."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import ProxyHandler, build_opener

import pytest
from sqlalchemy import create_engine, text

from tests.emulators import slack_requests as inbound
from tests.emulators.slack import DEFAULT_TOKEN
from tests.support.databases import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="CRM_TEST_POSTGRES_URL not set")

SECRET = "replica-signing-secret"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with build_opener(ProxyHandler({})).open(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except (URLError, OSError):
        return False


@pytest.fixture
def replicas(_postgres_engine, fake_slack, tmp_path):
    """Two `crmbot run` processes (HTTP mode, each with its scheduler) on the test database; their ports."""
    from tests.support.databases import truncate_all

    truncate_all(_postgres_engine)
    ports = [_free_port(), _free_port()]
    processes = []
    for n, port in enumerate(ports):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CRM_", "SLACK_"))}
        env.update(CRM_DATABASE_URL=POSTGRES_URL, CRM_DATA_DIR=str(tmp_path / f"data{n}"), CRM_HTTP_HOST="127.0.0.1",
                   CRM_HTTP_PORT=str(port), SLACK_BOT_TOKEN=DEFAULT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_API_URL=fake_slack.base_url, NO_PROXY="127.0.0.1,localhost")
        log = open(tmp_path / f"replica{n}.log", "wb")  # noqa: SIM115 (closed with the process below)
        processes.append((subprocess.Popen([sys.executable, "-m", "adapters.cli", "run"], cwd=ROOT, env=env,
                                           stdout=log, stderr=subprocess.STDOUT), log))
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(_healthy(port) for port in ports):
            dead = [p.returncode for p, _ in processes if p.poll() is not None]
            assert not dead and time.monotonic() < deadline, (tmp_path / "replica0.log").read_text()
            time.sleep(0.2)
        yield ports
    finally:
        for process, _log in processes:
            process.send_signal(signal.SIGTERM)
        for process, log in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def test_two_replicas_answer_interleaved_requests_without_losing_or_doubling(replicas, fake_slack):
    fake_slack.add_user("U1", real_name="Alice")
    fake_slack.add_user("U2", real_name="Newcomer")
    fake_slack.add_channel("C1", name="sales")
    urls = [f"http://127.0.0.1:{port}/slack/events" for port in replicas]

    def command(n: int, user: str, line: str) -> str:
        hook = fake_slack.hooks_url(f"{user}-{n}", channel="C1", user_id=user)
        answer = inbound.post_signed(urls[n % 2], inbound.slash_command(line, user_id=user, channel_id="C1",
                                                                         response_url=hook),
                                     "application/x-www-form-urlencoded", SECRET)
        assert answer.status == 200, answer.body
        return hook

    first = command(0, "U1", "new Acme")
    fake_slack.wait_for("response_url", 1, timeout=30)
    assert "Acme" in fake_slack.hook_posts(first)[0].body["text"]

    jobs = [(n, "U1", f"log Acme call {n} next:tomorrow 10:00 step {n}") for n in range(1, 11)]
    jobs += [(n, "U2", f'new "Conc {n} Ltd" force:yes') for n in range(11, 17)]
    barrier = threading.Barrier(len(jobs))
    hooks: list[str] = []

    def send(job: tuple[int, str, str]) -> None:
        barrier.wait()
        hooks.append(command(*job))

    threads = [threading.Thread(target=send, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    fake_slack.wait_for("response_url", 1 + len(jobs), timeout=60)
    answers = [post.body.get("text", "") for hook in hooks for post in fake_slack.hook_posts(hook)]
    assert len(answers) == len(jobs)
    assert not [a for a in answers if "Reference" in a], answers

    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            def one(sql: str) -> int:
                return conn.execute(text(sql)).scalar_one()

            acme = one("SELECT id FROM customer WHERE name = 'Acme'")
            assert one(f"SELECT count(*) FROM followup WHERE customer_id = {acme}") == 10
            assert one(f"SELECT count(*) FROM followup WHERE customer_id = {acme} AND next_due_at IS NOT NULL "
                       "AND done_at IS NULL AND deleted_at IS NULL") == 1
            assert one("SELECT count(*) FROM customer WHERE name LIKE 'Conc %'") == 6
            assert one("SELECT count(*) FROM user_identity WHERE platform = 'slack' AND external_id = 'U2'") == 1
    finally:
        engine.dispose()
