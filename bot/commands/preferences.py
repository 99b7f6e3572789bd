"""`settings` (设置): the asker's time zone, language and morning hour; without options, show them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.spec import ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply
from bot.services.people import language_code, morning_hour_of, zone_of
from storage.models import User


def _snapshot(user: User) -> dict[str, Any]:
    return {"timezone": user.timezone, "language": user.language, "morning_hour": user.morning_hour}


def _values(options: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "tz" in options:
        zone = str(options["tz"]).strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError("bad_timezone", value=zone) from None
        values["timezone"] = zone
    if "lang" in options:
        language = language_code(str(options["lang"]))
        if language is None:
            raise UserError("bad_choice", name="lang", value=options["lang"], choices="zh, en")
        values["language"] = language
    if "morning" in options:
        hour = options["morning"]
        if not 0 <= hour <= 23:
            raise UserError("preferences:bad_hour", value=hour)
        values["morning_hour"] = hour
    return values


def _settings(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    user = ctx.user
    values = _values(cmd.options)
    changed = False
    if values:
        before = _snapshot(user)
        for key, value in values.items():
            setattr(user, key, value)
        ctx.session.add(user)
        after = _snapshot(user)
        diff = {k: v for k, v in after.items() if before[k] != v}
        if diff:
            ctx.audit("update", "user", user.id, before={k: before[k] for k in diff}, after=diff)
            changed = True
        if user.language:
            ctx.lang = user.language  # confirm in the language just chosen
    key = "preferences:updated" if changed else "preferences:current"
    return Reply(text=ctx.t(key, zone=zone_of(user, ctx.settings).key, language=user.language,
                            morning=morning_hour_of(user, ctx.settings), zone_is_default=user.timezone is None,
                            local_now=ctx.now.astimezone(zone_of(user, ctx.settings)).strftime("%Y-%m-%d %H:%M")))


SPECS = (
    CommandSpec(
        name="settings",
        aliases=("设置", "偏好", "preferences", "prefs"),
        summary={"en": "my time zone, language and morning reminder hour", "zh": "我的时区、语言和早间提醒时间"},
        handler=_settings,
        options=(
            Option("tz", aliases=("时区", "timezone", "zone"), max_length=64),
            Option("lang", aliases=("语言", "language"), max_length=20),
            Option("morning", kind=ArgKind.INT, aliases=("早上", "早间", "提醒时间", "morning_hour")),
        ),
        examples=("settings", "settings tz:America/New_York lang:en morning:8", "设置 时区:Asia/Shanghai 语言:中文"),
    ),
)
