"""Settings from a TOML file overridden by the environment; bad config names its field."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config.settings import ConfigError, load_settings


def test_defaults_use_sqlite_in_the_per_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/share/crmbot/crmbot.db"
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert load_settings().resolved_database_url == f"sqlite:///{tmp_path}/elsewhere/crmbot.db"
    assert settings.defaults.timezone == "Asia/Shanghai"
    assert not settings.platform_enabled("slack") and not settings.platform_enabled("dingtalk")


def test_toml_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "crmbot.toml").write_text(
        '[defaults]\ntimezone = "Europe/Berlin"\nlanguage = "en"\nmorning_hour = 8\n'
        '[roles]\nadmins = ["root"]\n[[teams]]\nname = "East"\nmanagers = ["mia"]\n'
    )
    settings = load_settings()
    assert settings.defaults.timezone == "Europe/Berlin"
    assert settings.roles.admins == ["root"] and settings.teams[0].managers == ["mia"]
    monkeypatch.setenv("CRM_DEFAULTS__MORNING_HOUR", "7")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t")
    settings = load_settings()
    assert settings.defaults.morning_hour == 7
    assert settings.platform_enabled("slack") and settings.platform("slack").bot_token == "xoxb-1"


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"CRM_DEFAULTS__TIMEZONE": "Mars/Olympus"}, "defaults.timezone"),
        ({"CRM_DEFAULTS__MORNING_HOUR": "25"}, "defaults.morning_hour"),
        ({"CRM_HTTP_PORT": "http"}, "http_port"),
        ({"CRM_SCHEDULER__QUIET_HOURS": "late"}, "scheduler.quiet_hours"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "Slack needs both"),
        ({"CRM_ENV": "production", "DINGTALK_CLIENT_ID": "a", "DINGTALK_CLIENT_SECRET": "changeme"}, "placeholder"),
    ],
)
def test_invalid_config_names_the_field(monkeypatch, env, field):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_settings()


def test_cli_reports_bad_config_in_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "chat", "--as", "alice"],
        input="help\n", capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "CRM_DEFAULTS__TIMEZONE": "Mars/Olympus",
             "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "crmbot: configuration error: defaults.timezone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Asia/Shanghai)"
    ]


def test_missing_config_file_named_by_crm_config(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="CRM_CONFIG: file not found"):
        load_settings()


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("ann@example.com", "write email:ann@example.com"),
        ("Mia Wong", "terminal login"),
        ("we com:abc", "'we com' is not a platform name"),
        ("slack:", "expected slack:<id>"),
        ("email:nobody", "not an e-mail address"),
    ],
)
def test_role_and_team_entries_must_name_identities(entry, says):
    with pytest.raises(ConfigError) as refused:
        load_settings(teams=[{"name": "East", "members": [entry]}])
    assert str(refused.value).startswith("teams.0.members:") and says in str(refused.value)
    with pytest.raises(ConfigError, match="roles.admins"):
        load_settings(roles={"admins": [entry]})


def test_identity_entries_parse_into_platform_workspace_and_id():
    from config.settings import IdentityRef, parse_identity

    assert parse_identity("slack:T1/U2") == IdentityRef("slack", "U2", "T1")
    assert parse_identity("webhook:u-ann") == IdentityRef("webhook", "u-ann")  # any platform, even a new one
    assert parse_identity("dingtalk:staff01") == IdentityRef("dingtalk", "staff01")
    assert parse_identity("email:Ann@Example.COM") == IdentityRef("email", "ann@example.com")
    assert parse_identity("alice", local="console") == parse_identity("console:alice") == IdentityRef("console", "alice")
    assert parse_identity("alice") == IdentityRef("", "alice")  # the shape only: the core names the local platform


def test_platform_sections_come_from_the_adapters_declarations(tmp_path, monkeypatch):
    from adapters.slack.settings import SlackSettings
    from config.platform_settings import declared

    assert {"slack", "dingtalk"} <= set(declared())  # declared by the adapters, not by the settings
    (tmp_path / "crmbot.toml").write_text('[slack]\nbot_token = "xoxb-file"\nsigning_secret = "s1"\n'
                                          '[dingtalk]\nworkers = 4\n')
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    slack = settings.platform("slack")
    assert isinstance(slack, SlackSettings) and (slack.bot_token, slack.signing_secret) == ("xoxb-file", "s1")
    assert settings.platform("dingtalk").workers == 4 and not settings.platform_enabled("dingtalk")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")  # the platform's own variable wins over the file
    monkeypatch.setenv("CRM_SLACK__API_URL", "http://127.0.0.1:9/api/")
    settings = load_settings()
    assert settings.platform("slack").bot_token == "xoxb-env"
    assert settings.platform("slack").api_url == "http://127.0.0.1:9/api/"
    monkeypatch.setenv("CRM_DINGTALK__WORKERS", "500")
    with pytest.raises(ConfigError, match=r"dingtalk\.workers"):
        load_settings()
