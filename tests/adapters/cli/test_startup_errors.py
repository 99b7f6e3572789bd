"""Every bad setting or start-up condition is one line naming the setting or cause, and exit status 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main
from config.settings import ConfigError, is_placeholder, load_settings

ROOT = Path(__file__).resolve().parents[3]


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_an_unreachable_database_is_one_line_and_exit_2_in_a_real_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "SLACK_", "DINGTALK_"))}
    env.update(PYTHONPATH=str(ROOT), CRM_DATABASE_URL="postgresql+psycopg://crm@127.0.0.1:1/crm")
    result = subprocess.run([sys.executable, "-m", "adapters.cli", "chat", "--as", "alice"], input="help\n",
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("crmbot: configuration error: database_url: cannot use the database "
                           "postgresql+psycopg://crm@127.0.0.1:1/crm: ")
    assert "refused" in line.lower() or "failed" in line.lower()


def test_an_invalid_log_level_in_a_real_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "SLACK_", "DINGTALK_"))}
    env.update(PYTHONPATH=str(ROOT), CRM_LOG_LEVEL="LOUD")
    result = subprocess.run([sys.executable, "-m", "adapters.cli", "tick"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "crmbot: configuration error: log_level: unknown log level 'LOUD' "
        "(use one of DEBUG, INFO, WARNING, ERROR, CRITICAL)"]


@pytest.mark.parametrize(("url", "says"), [
    ("not a url", "database_url: not a database URL"),
    ("mysql://crm@db/crm", "database_url: unsupported database 'mysql'"),
    ("postgresql+psycopg://crm@db", "database_url: the URL names no database"),
])
def test_a_malformed_database_url(monkeypatch, capsys, url, says):
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    assert says in _one_line_exit_2(capsys, ["db", "info"])


def test_a_data_folder_that_is_a_file_or_cannot_be_created(monkeypatch, capsys, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "afile"))
    line = _one_line_exit_2(capsys, ["chat", "--as", "alice"])
    assert line.startswith("crmbot: configuration error: data_dir: ") and "is not a directory" in line
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "afile" / "below"))
    assert "is not a directory" in _one_line_exit_2(capsys, ["tick"])


def test_a_data_folder_that_is_not_writable(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    monkeypatch.setenv("CRM_DATA_DIR", str(folder))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == folder else real_access(path, mode))
    assert f"data_dir: the data folder {folder} is not writable" in _one_line_exit_2(capsys, ["chat"])


def test_a_file_that_is_not_a_database(monkeypatch, capsys, tmp_path):
    (tmp_path / "crmbot.db").write_bytes(b"this is not sqlite" * 100)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    line = _one_line_exit_2(capsys, ["chat"])
    assert "data_dir: cannot use the database" in line and "not a database" in line


def test_a_database_migrated_by_a_newer_crmbot_names_the_revision(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    with sqlite3.connect(tmp_path / "crmbot.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042_from_the_future'")
    for argv in (["chat"], ["tick"], ["db", "upgrade"], ["db", "info"]):
        line = _one_line_exit_2(capsys, argv)
        assert "schema revision 0042_from_the_future" in line and "upgrade crmbot" in line, line


def test_an_unknown_time_zone(monkeypatch, capsys):
    monkeypatch.setenv("CRM_DEFAULTS__TIMEZONE", "Mars/Olympus")
    assert "defaults.timezone: unknown time zone 'Mars/Olympus'" in _one_line_exit_2(capsys, ["tick"])


PLACEHOLDERS = ["xoxb-...", "xoxb-…", "xoxb-your-bot-token", "xoxb-your-token", "xoxb-xxxxxxxxxxxx", "...",
                "xoxb-", "changeme", "your-secret", "<signing secret>", "xxxxxxxx"]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_production_refuses_placeholder_slack_secrets(monkeypatch, value):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("SLACK_BOT_TOKEN", value)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167a5a36dedd4bea2543")
    with pytest.raises(ConfigError, match=r"slack\.bot_token \(SLACK_BOT_TOKEN\) is a placeholder"):
        load_settings()


@pytest.mark.parametrize(("variable", "value", "field"), [
    ("SLACK_SIGNING_SECRET", "...", "slack.signing_secret"),
    ("SLACK_APP_TOKEN", "xapp-...", "slack.app_token"),
    ("SLACK_APP_TOKEN", "xapp-xxxxxxxx", "slack.app_token"),
    ("DINGTALK_CLIENT_ID", "ding...", "dingtalk.client_id"),
    ("DINGTALK_CLIENT_SECRET", "...", "dingtalk.client_secret"),
])
def test_production_refuses_every_readme_example(monkeypatch, capsys, variable, value, field):
    monkeypatch.setenv("CRM_ENV", "production")
    base = {"SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdEFGH", "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
            "DINGTALK_CLIENT_ID": "dingoa1b2c3d4e5", "DINGTALK_CLIENT_SECRET": "Zx9_real-secret-42"}
    for key, default in {**base, variable: value}.items():
        monkeypatch.setenv(key, default)
    line = _one_line_exit_2(capsys, ["tick"])
    assert f"{field} ({variable}) is a placeholder" in line


def test_real_looking_secrets_and_development_are_accepted(monkeypatch):
    for value in ("xoxb-1234-5678-abcdEFGH", "8f14e45fceea167a5a36dedd4bea2543", "xapp-1-A0B1C2-123-abc",
                  "dingoa1b2c3d4e5"):
        assert not is_placeholder(value), value
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-...")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "...")
    assert load_settings().platform("slack").bot_token == "xoxb-..."  # development: examples are fine
