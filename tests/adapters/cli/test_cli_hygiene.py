"""The CLI from a newcomer's shell: closed pipes, where the data lives, demo logins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from adapters.cli import main
from tests.bot.importing.spreadsheets import write_csv

ROOT = Path(__file__).resolve().parents[3]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "SLACK_", "DINGTALK_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def _closed_early(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `crmbot <args>` with stdout's reader gone before the first line arrives, like `… | head -0`."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "adapters.cli", *args], input=stdin, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=cwd, env=_env(), timeout=120)
    finally:
        os.close(write_end)


def test_chat_into_a_closed_pipe_ends_quietly(tmp_path):
    result = _closed_early(["chat", "--as", "alice"], "help\n" * 50, tmp_path)
    assert result.returncode in (0, 141)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_chat_piped_into_head_ends_quietly(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "adapters.cli", "chat", "--as", "alice"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env())
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("help\n" * 300)  # far more than a pipe holds, so the writer is still writing below
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()  # `head -1` exits
    assert proc.wait(timeout=120) in (0, 141)
    assert first.strip()
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_import_into_a_closed_pipe_ends_quietly(tmp_path):
    path = write_csv(tmp_path / "leads.csv", [["name", "phone"], ["Acme", "13800138000"]])
    result = _closed_early(["import", str(path), "--as", "boss"], "", tmp_path)
    assert result.returncode in (0, 141)
    assert "Traceback" not in result.stderr


def test_the_data_folder_is_fixed_announced_once_and_shown_by_db_info(tmp_path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    env = _env(XDG_DATA_HOME=str(tmp_path / "share"))
    database = tmp_path / "share" / "crmbot" / "crmbot.db"

    def run(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "adapters.cli", *args], input=stdin, capture_output=True,
                              text=True, cwd=cwd, env=env, timeout=120)

    info = run("db", "info", cwd=here)
    assert info.returncode == 0, info.stderr
    assert f"data folder: {database.parent} (the per-user default" in info.stdout
    assert "not created yet" in info.stdout and not database.exists()

    first = run("chat", "--as", "alice", cwd=here, stdin="new Acme\n")
    assert f"created a new database at {database}" in first.stderr
    again = run("chat", "--as", "alice", cwd=elsewhere, stdin="show Acme\n")  # another folder, the same CRM
    assert "created a new database" not in again.stderr
    assert "Acme" in again.stdout and "No customer matches" not in again.stdout

    info = run("db", "info", cwd=elsewhere)
    assert f"database:    {database} (SQLite in the data folder)" in info.stdout
    assert "schema:      0" in info.stdout


def test_db_info_names_a_configured_folder(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "crm"))
    assert main(["db", "info"]) == 0
    out = capsys.readouterr().out
    assert f"data folder: {tmp_path / 'crm'} (set by CRM_DATA_DIR" in out


def test_demo_prints_a_rep_a_manager_and_an_admin_to_log_in_as(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "demo"))
    assert main(["demo", "--customers", "30"]) == 0
    out = capsys.readouterr().out
    logins = {line.split("# ")[1].split(":")[0]: line.split("--as")[1].split()[0]
              for line in out.splitlines() if "crmbot chat --as" in line}
    assert set(logins) == {"rep", "manager", "admin"}
    assert logins["manager"] == "mgr_east" and logins["admin"] == "admin"

    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crmbot.db'}")
    with engine.connect() as conn:
        roles: dict[str, str] = {row[0]: row[1] for row in conn.execute(text("SELECT name, role FROM app_user"))}
    engine.dispose()
    assert {role: roles[name] for role, name in logins.items()} == {"rep": "rep", "manager": "manager",
                                                                   "admin": "admin"}
