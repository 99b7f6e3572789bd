"""Typed settings: an optional TOML file overridden by environment variables.

Precedence (highest first): environment variables, the TOML file named by ``CRM_CONFIG`` (default
``./crmbot.toml`` when it exists), built-in defaults. Platform credentials use the names the platforms'
own docs use (``SLACK_BOT_TOKEN``, ``DINGTALK_CLIENT_ID`` ...); everything else is ``CRM_*``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config import platform_settings
from config.sales_settings import LifecycleSettings, PipelineSettings, PoolSettings
from config.service import AutomationRule, ServiceSettings

Language = Literal["zh", "en"]

# Values that ship in examples and docs; refusing them outside development stops a copy-pasted config
# from going live with a secret everybody knows.
PLACEHOLDER_SECRETS = frozenset({
    "changeme", "change-me", "change_me", "xoxb-your-token", "your-secret", "secret", "placeholder", "token",
    "password", "example", "todo", "tbd", "none", "null",
})
# README-style shapes: an ellipsis anywhere (`xoxb-...`, `ding...`, `...`), a platform prefix followed only by
# dots or x's (`xoxb-xxxxxxxxxxxx`), "your-…" words (`xoxb-your-bot-token`), `<angle brackets>`.
_PLACEHOLDER_SHAPES = re.compile(
    r".*(?:\.\.\.|…).*"
    r"|(?:xox[abpre]|xapp|ding)-?[.x…\-]*"
    r"|.*\byour[-_ ].*"
    r"|<.*>"
    r"|x{3,}",
    re.IGNORECASE,
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = ("sqlite", "postgresql")
APP_NAME = "crmbot"


def is_placeholder(value: str) -> bool:
    """Whether a secret is one of the examples people copy from docs instead of the real thing."""
    text = value.strip()
    return text.lower() in PLACEHOLDER_SECRETS or _PLACEHOLDER_SHAPES.fullmatch(text) is not None


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/crmbot`` on Linux, the platform's equivalent elsewhere), so
    the database does not depend on the folder a command happens to run in."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class ConfigError(Exception):
    """The configuration cannot be used; the message names the offending field."""


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
    return value


# Who may be named in `roles` and `teams`: identities a platform proves, never display names. Any platform
# name works (``slack``, ``dingtalk``, one added later); ``email`` and bare terminal logins are special.
_PLATFORM_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class IdentityRef:
    """A person named in the config, as a platform proves them.

    ``platform`` is a platform name (``external_id`` is the member id, the staff id or the terminal login;
    ``workspace`` the team / corp id when the entry names one) or ``email`` (the address a platform reports
    for the account, lower case).
    """

    platform: str
    external_id: str  # as the platform shows it (Slack member ids are upper case: U024BE7LH)
    workspace: str | None = None

    @property
    def is_email(self) -> bool:
        return self.platform == "email"


def parse_identity(entry: str, *, local: str = "") -> IdentityRef:
    """``slack:U1`` / ``slack:T1/U1`` / ``dingtalk:<staffId>`` / ``dingtalk:<corp>/<staffId>`` / ``email:a@b.c``
    / ``<local>:<login>`` / a bare terminal login; ValueError with a hint for anything else.

    `local` is the name of the platform bare logins belong to (the core's local platform, the terminal
    chat); the settings only check the shape, so they leave it empty."""
    text = entry.strip()
    if not text:
        raise ValueError("empty user entry")
    kind, sep, rest = text.partition(":")
    if not sep:
        if "@" in text:
            raise ValueError(f"{text!r} looks like an e-mail address; write email:{text}")
        if any(ch.isspace() for ch in text):
            raise ValueError(f"{text!r}: a bare name is a terminal login and has no spaces; "
                             "name chat users as slack:<member id>, dingtalk:<staffId> or email:<address>")
        return IdentityRef(local, text)
    kind, rest = kind.strip().lower(), rest.strip()
    if kind == "email":
        if not _EMAIL.match(rest):
            raise ValueError(f"{text!r} is not an e-mail address")
        return IdentityRef("email", rest.lower())
    if not _PLATFORM_NAME.match(kind):
        raise ValueError(f"{text!r}: {kind!r} is not a platform name "
                         "(use slack:<member id>, dingtalk:<staffId>, email:<address> or a terminal login)")
    workspace, slash, member = rest.partition("/")
    if not slash:
        workspace, member = "", rest
    if not member or any(ch.isspace() for ch in member + workspace) or (slash and not workspace):
        raise ValueError(f"{text!r}: expected {kind}:<id> or {kind}:<workspace>/<id>")
    if local and kind == local and slash:
        raise ValueError(f"{text!r}: terminal logins have no workspace")
    return IdentityRef(kind, member, workspace or None)


def _check_identities(entries: list[str]) -> list[str]:
    for entry in entries:
        parse_identity(entry)
    return [entry.strip() for entry in entries]


class Defaults(BaseModel):
    """What a user gets until they change it with `settings`."""

    timezone: str = "Asia/Shanghai"
    language: Language = "zh"
    morning_hour: int = Field(9, ge=0, le=23)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)


class TeamConfig(BaseModel):
    """A sales team: its managers, members and whether members see each other's customers."""

    name: str = Field(min_length=1, max_length=80)
    managers: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    shares_customers: bool = False
    # Where the scheduler posts the team's birthday greetings: "platform:workspace:channel"
    # (e.g. "slack:T123:C456", "dingtalk:corp1:cidAbc=="); unset: greetings go to owners' DMs only.
    channel: str | None = None
    # The team's own `[pool] release_after_days` (0 keeps its customers out of the pool); unset: the global one.
    pool_release_after_days: int | None = Field(None, ge=0, le=3650)

    @field_validator("managers", "members")
    @classmethod
    def _identities(cls, value: list[str]) -> list[str]:
        return _check_identities(value)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is None:
            return None
        platform, _, rest = value.partition(":")
        _workspace, sep, channel = rest.partition(":")
        if not (platform and sep and channel):
            raise ValueError("expected platform:workspace:channel, e.g. slack:T123:C456")
        return value


class Roles(BaseModel):
    """Who is an admin, named as identities (see `parse_identity`): ``slack:U123``, ``dingtalk:staff01``,
    ``email:ann@example.com``, or a terminal login."""

    admins: list[str] = Field(default_factory=list)

    @field_validator("admins")
    @classmethod
    def _identities(cls, value: list[str]) -> list[str]:
        return _check_identities(value)


class SchedulerSettings(BaseModel):
    tick_seconds: int = Field(60, ge=1, le=3600)
    quiet_hours: str | None = "21:00-08:00"
    escalate_after_days: int = Field(2, ge=1, le=60)
    payment_escalate_after_days: int = Field(7, ge=1, le=365)
    max_pushes_per_tick: int = Field(5, ge=1, le=100)
    greeting_cutoff_hour: int = Field(21, ge=1, le=23)
    # A claimed notification whose worker died is taken over after this long.
    lease_seconds: float = Field(120.0, ge=5, le=3600)
    # Where a Feb 29 birthday is greeted in common years.
    feb29_on: Literal["feb28", "mar1"] = "feb28"

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str | None) -> str | None:
        if value in (None, "", "off"):
            return None
        try:
            start, end = value.split("-")
            for part in (start, end):
                hour, minute = part.strip().split(":")
                if not (0 <= int(hour) <= 23 and 0 <= int(minute) <= 59):
                    raise ValueError
        except ValueError as exc:
            raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-08:00, or off") from exc
        return value


class HttpSettings(BaseModel):
    """The bot's own HTTP server (Slack events, health, metrics, survey pages).

    `host` / `port` override ``http_host`` / ``http_port``; `public_url` is the address customers reach the
    server at (behind a proxy: ``https://crm.example.com``), used for survey links.
    """

    host: str | None = None
    port: int | None = Field(None, ge=0, le=65535)
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", url):
            raise ValueError("expected an http(s) address such as https://crm.example.com")
        return url


class SurveySettings(BaseModel):
    """Satisfaction surveys: the scale asked, when a score alerts, how long a link stays valid."""

    scale: Literal["five", "nps"] = "five"
    # A score at or below this alerts the owner and their manager (unset: 2 on the 1–5 scale, 6 for NPS).
    low_score: int | None = Field(None, ge=0, le=10)
    expire_days: int = Field(30, ge=1, le=365)
    # Automatic surveys: a link pushed to the owner when a ticket closes, and this many days after an order is
    # paid (unset: never); at most one survey per customer per `min_interval_days` (links made by hand count).
    after_ticket_close: bool = True
    after_order_days: int | None = Field(None, ge=0, le=365)
    min_interval_days: int = Field(30, ge=1, le=3650)

    def low_threshold(self, scale: str) -> int:
        """The alert threshold for answers on `scale`."""
        if self.low_score is not None:
            return self.low_score
        return 6 if scale == "nps" else 2


class ContractSettings(BaseModel):
    # The owner hears of a contract's end this many days before it, and again `second_reminder_days` before.
    remind_before_days: int = Field(30, ge=1, le=365)
    second_reminder_days: int = Field(7, ge=1, le=365)


class MemberLevel(BaseModel):
    """A member level (会员等级) reached at `min_points`, named in both languages."""

    min_points: int = Field(ge=0)
    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=40)


def _default_levels() -> list[MemberLevel]:
    return [MemberLevel(min_points=1000, zh="银卡会员", en="Silver member"),
            MemberLevel(min_points=5000, zh="金卡会员", en="Gold member"),
            MemberLevel(min_points=20000, zh="VIP 会员", en="VIP member")]


class LoyaltySettings(BaseModel):
    """Loyalty points: paid orders earn `points_per_unit` for every whole `unit` of the order's amount."""

    enabled: bool = True
    points_per_unit: int = Field(1, ge=0, le=1_000_000)
    unit: Decimal = Field(Decimal(100), gt=0)
    # Unspent earned points expire this many months after they were earned (0: never).
    expire_after_months: int = Field(0, ge=0, le=240)
    levels: list[MemberLevel] = Field(default_factory=_default_levels)


class Settings(BaseSettings):
    """Everything crmbot reads at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="CRM_", env_nested_delimiter="__", extra="forbid", populate_by_name=True
    )

    env: Literal["development", "production"] = "development"
    database_url: str | None = None
    # Unset: the per-user folder (`default_data_dir`); set CRM_DATA_DIR to keep data somewhere else.
    data_dir: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(3000, ge=0, le=65535)
    # Who may read ``/metrics``: requests bearing this token (``Authorization: Bearer …``); unset: this
    # machine only (loopback).
    metrics_token: str | None = None
    log_level: str = "INFO"
    defaults: Defaults = Field(default_factory=Defaults)
    roles: Roles = Field(default_factory=Roles)
    teams: list[TeamConfig] = Field(default_factory=list)
    tenants: dict[str, str] = Field(
        default_factory=dict,
        description="maps a platform workspace ('slack:T123', 'dingtalk:corp1') to a shared tenant name",
    )
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    pool: PoolSettings = Field(default_factory=PoolSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    # ``[[automation]]`` rules: when a domain event happens, do an action (README: Automation).
    automation: list[AutomationRule] = Field(default_factory=list)
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)
    # Each platform's own section, by platform name, as its adapter declares it (`config.platform_settings`):
    # ``[slack] bot_token = "…"`` (or ``[platforms.slack]``), the platform's own variables (``SLACK_BOT_TOKEN``),
    # ``CRM_SLACK__BOT_TOKEN``; `platform` returns it validated. Undeclared sections are kept as given
    # (``[platforms.<name>]``) for their adapter to read.
    platforms: dict[str, dict[str, Any]] = Field(default_factory=dict)
    contracts: ContractSettings = Field(default_factory=ContractSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = config_file_path()
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS or not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"unknown log level {value!r} (use one of {', '.join(LOG_LEVELS)})")
        return level

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value.strip())
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL (expected e.g. postgresql+psycopg://user@host/db or "
                             "sqlite:///path/crmbot.db)") from None
        if url.get_backend_name() not in DATABASE_SCHEMES:
            raise ValueError(f"unsupported database {url.get_backend_name()!r} (use postgresql+psycopg:// or "
                             "sqlite:///)")
        if url.get_backend_name() == "postgresql" and not url.database:
            raise ValueError("the URL names no database (…/<database> at the end)")
        return value.strip()

    @model_validator(mode="before")
    @classmethod
    def _platform_sections(cls, data: Any) -> Any:
        """Gather each declared platform's section into `platforms` (see `config.platform_settings`)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        platforms = {name: dict(values) for name, values in (data.get("platforms") or {}).items()}
        for name, section in platform_settings.declared().items():
            values = platforms.setdefault(name, {})
            given = data.pop(name, None)  # [slack] in the TOML file, or slack={…}
            if isinstance(given, BaseModel):
                given = given.model_dump(exclude_unset=True)
            if isinstance(given, dict):
                values.update(given)
            prefix = f"CRM_{name.upper()}__"
            for key, value in os.environ.items():
                if key.upper().startswith(prefix) and value:
                    values[key[len(prefix):].lower()] = value
            for variable, field_name in section.env.items():
                if os.environ.get(variable):
                    values[field_name] = os.environ[variable]
                # A keyword argument named like the variable (``slack_bot_token=…``), as tests and tools pass.
                argument = data.pop(variable.lower(), None)
                if argument:
                    values[field_name] = argument
        data["platforms"] = platforms
        return data

    @model_validator(mode="after")
    def _check_platform_sections(self) -> Settings:
        for name, section in platform_settings.declared().items():
            try:
                values = section.model.model_validate(self.platforms.get(name) or {})
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(part) for part in error.get("loc", ()))
                raise ValueError(f"{name}.{where}: {error.get('msg', 'invalid value')}") from None
            if self.env != "development":
                for secret in section.secrets:
                    value = getattr(values, secret, None)
                    if isinstance(value, str) and value and is_placeholder(value):
                        variable = next((v for v, f in section.env.items() if f == secret), "")
                        shown = f"{name}.{secret}" + (f" ({variable})" if variable else "")
                        raise ValueError(f"{shown} is a placeholder ({value.strip()[:24]!r}); set the real value "
                                         "(refused when env=production)")
            if section.check is not None:
                section.check(values)
        return self

    @model_validator(mode="after")
    def _merge_http_section(self) -> Settings:
        # `[http] port` and `http_port` name the same thing; the section wins when both are set.
        if self.http.host:
            self.http_host = self.http.host
        if self.http.port is not None:
            self.http_port = self.http.port
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "development":
            return self
        secrets = {"metrics_token (CRM_METRICS_TOKEN)": self.metrics_token}
        for name, value in secrets.items():
            if value and is_placeholder(value):
                raise ValueError(f"{name} is a placeholder ({value.strip()[:24]!r}); set the real value "
                                 "(refused when env=production)")
        return self

    # -- derived values ------------------------------------------------------------------------------

    @property
    def resolved_data_dir(self) -> Path:
        """The data folder: ``CRM_DATA_DIR`` (``data_dir``) or the per-user default."""
        return self.data_dir if self.data_dir is not None else default_data_dir()

    @property
    def resolved_database_url(self) -> str:
        """The database to use: ``CRM_DATABASE_URL`` or a SQLite file under the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.resolved_data_dir / 'crmbot.db').as_posix()}"

    def platform(self, name: str) -> Any:
        """The validated settings section of platform `name` (its declared model; an empty one if unset)."""
        section = platform_settings.declared().get(name)
        if section is None:
            raise LookupError(f"no platform declares settings called {name!r}")
        return section.model.model_validate(self.platforms.get(name) or {})

    def platform_enabled(self, name: str) -> bool:
        """Whether platform `name`'s section configures it (its credentials are there)."""
        section = platform_settings.declared().get(name)
        return section is not None and section.enabled(self.platform(name))

    @property
    def public_base_url(self) -> str:
        """Where customers reach the HTTP server: ``http.public_url``, else the bound host and port."""
        return self.http.public_url or f"http://{self.http_host}:{self.http_port}"

    def tenant_for(self, platform: str, workspace: str) -> str:
        """The tenant (data partition) of a platform workspace; unmapped workspaces are their own tenant."""
        key = f"{platform}:{workspace}" if workspace else platform
        return self.tenants.get(key, key)


def config_file_path() -> Path | None:
    """The TOML file to read: ``CRM_CONFIG`` if set (it must exist), else ``./crmbot.toml`` if present."""
    named = os.environ.get("CRM_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"CRM_CONFIG: file not found: {path}")
        return path
    default = Path("crmbot.toml")
    return default if default.is_file() else None


def _describe(error: Mapping[str, Any]) -> str:
    field = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__") or "config"
    message = error.get("msg", "invalid value").removeprefix("Value error, ")
    return f"{field}: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise ConfigError with one line naming the first bad field."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0])) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"config file: {exc}") from None
