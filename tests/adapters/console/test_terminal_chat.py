"""The terminal chat a newcomer gets from `make run` / `crmbot chat`, driven as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def crmbot(*args: str, stdin: str, cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "SLACK_", "DINGTALK_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


SESSION = """\
new Acme Trading phone:13800138000 industry:retail
新建 阿里巴巴 电话:13900139000 行业:电商
find albb
find 13800138000
log Acme Trading called about renewal next:in 3 days send quote
跟进 albb 电话沟通 下次:明天 10:00 发报价
show 阿里巴巴
edit Acme tier:gold
"""


def test_piped_session_creates_finds_logs_and_refuses_bad_input(tmp_path):
    result = crmbot("chat", "--as", "alice", stdin=SESSION, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Created customer Acme Trading (#1)." in out
    assert "已创建客户 阿里巴巴（#2）。" in out
    assert "- #2 阿里巴巴" in out and "- #1 Acme Trading" in out
    assert "Next step: send quote" in out
    assert "下一步：发报价" in out
    assert "电话沟通" in out  # the card's latest follow-ups
    assert '"gold" is not a valid tier' in out
    assert "Traceback" not in out + result.stderr
    # The per-user data folder (XDG_DATA_HOME/crmbot here), wherever the command ran, announced once.
    database = tmp_path / "user-data" / "crmbot" / "crmbot.db"
    assert database.exists()
    assert f"created a new database at {database}" in result.stderr


def test_second_user_cannot_see_the_first_users_customers(tmp_path):
    crmbot("chat", "--as", "alice", stdin="new Acme phone:13800138000\n", cwd=tmp_path)
    result = crmbot("chat", "--as", "bob", stdin="show Acme\nfind 13800138000\nedit #1 tier:vip\n", cwd=tmp_path)
    assert result.stdout.count("No customer matches") == 2
    assert 'Nothing found for "13800138000"' in result.stdout


def test_run_without_credentials_starts_the_terminal_chat_with_a_notice(tmp_path):
    result = crmbot("run", "--as", "alice", stdin="help\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No Slack or DingTalk credentials set" in result.stderr
    assert "crmbot commands" in result.stdout


def test_db_upgrade_creates_and_migrates_the_database(tmp_path):
    result = crmbot("db", "upgrade", stdin="", cwd=tmp_path, extra_env={"CRM_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    assert (tmp_path / "x.db").exists()
