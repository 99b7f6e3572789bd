"""One demo customer with its key contacts: name, company facts, phone, email, tags, birthdays.

Each customer is drawn from its own ``random.Random`` (seeded with the demo seed and its number), so a
customer's data does not depend on how many were generated before it, and the same seed gives the same
book. Birthdays follow the real calendar: lunar days exist in their year (no 三十 in a 29-day month), leap
months only in years that had one, Feb 29 only in leap years or without a year, and a few fall on today
so greetings show up at once.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pypinyin import lazy_pinyin

from bot.calendar.birthdays import Birthday, birthday_keys_for
from bot.calendar.lunar import leap_month_of, lunar_month_length
from bot.demo import names
from bot.demo.people import Rep
from bot.services.customers import search_keys

BIRTHDAY_SHARE, LUNAR_SHARE, YEAR_KNOWN_SHARE = 0.8, 0.4, 0.7
TODAY_SOLAR_SHARE, TODAY_LUNAR_SHARE, FEB29_SHARE, LEAP_MONTH_SHARE = 0.004, 0.003, 0.003, 0.08
ENGLISH_SHARE_CN_TEAMS = 0.05
_LEAP_YEARS = tuple(year for year in range(1950, 2006) if leap_month_of(year))
_CN_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158",
                       "159", "182", "183", "186", "187", "188", "189", "177", "199")


@dataclass
class DemoCustomer:
    """A customer row (without ids) plus its contacts; activity is added by ``bot.demo.activity``."""

    values: dict
    contacts: list[dict]
    english: bool
    owner: Rep
    followups: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    deals: list[tuple[dict, list[dict]]] = field(default_factory=list)  # (deal, its stays), `bot.demo.deals`
    contracts: list[dict] = field(default_factory=list)


def make_customer(number: int, rng: random.Random, *, owner: Rep, tenant: str, now: datetime, today: date) -> DemoCustomer:
    """Customer ``number`` of the demo book, owned by ``owner``."""
    english = owner.language == "en" or rng.random() < ENGLISH_SHARE_CN_TEAMS
    is_person = rng.random() < 0.3
    if is_person:
        name = names.english_person(rng) if english else names.chinese_person(rng)
        industry, region = None, rng.choice(names.EN_CITIES if english else names.CITIES)
    else:
        name, industry, region = names.english_company(rng) if english else names.chinese_company(rng)
    created = now - timedelta(days=rng.uniform(60, 900), hours=rng.uniform(0, 10))
    ascii_name = name if english else "".join(lazy_pinyin(name[:4]))
    tags = rng.sample(names.TAGS_EN if english else names.TAGS_ZH, k=rng.choice((0, 0, 1, 1, 2, 3)))
    values = {
        "tenant": tenant, "name": name, **search_keys(name, person=is_person).__dict__,
        "kind": "person" if is_person else "company", "industry": industry, "region": region,
        "address": None if english else f"{region}市{rng.choice(('高新区', '经开区', '中心区'))}{rng.randint(1, 999)}号",
        "phone": _phone(number, rng) if rng.random() < 0.92 else None,
        "email": names.email_for(ascii_name, number, rng) if rng.random() < 0.55 else None,
        "source": rng.choice(names.SOURCES_EN if english else names.SOURCES_ZH),
        "tags": f",{','.join(tags)}," if tags else "", "owner_id": owner.id, "team_id": owner.team_id,
        "tier": "normal", "tier_manual": False, "stage": "lead", "next_followup_at": None, "next_step": None,
        "last_contact_at": None, "notes": None, "timezone": owner.timezone if english else None,
        "snoozed_until": None, "created_at": created, "updated_at": created, "deleted_at": None,
    }  # fmt: skip
    count = 1 if is_person else rng.choices((1, 2, 3), (0.5, 0.35, 0.15))[0]
    contacts = [_contact(name if (is_person and i == 0) else None, english, rng, created, today,
                         number=number * 3 + i) for i in range(count)]
    if number < len(_SHOWCASE):
        # However small the demo, the first customers show every birthday rule at work.
        birthday = _SHOWCASE[number](rng, today)
        contacts[0].update(birthday_month=birthday.month, birthday_day=birthday.day, birthday_year=birthday.year,
                           birthday_is_lunar=birthday.is_lunar, birthday_is_leap_month=birthday.is_leap_month)
    return DemoCustomer(values, contacts, english, owner)


def _phone(number: int, rng: random.Random) -> str:
    # Unique per customer number (no accidental duplicates), valid Chinese mobile prefixes.
    return f"+86{rng.choice(_CN_MOBILE_PREFIXES)}{(number * 7919 + 1234567) % 100_000_000:08d}"


def _contact(name: str | None, english: bool, rng: random.Random, created: datetime, today: date, *,
             number: int) -> dict:
    if name is None:
        name = names.english_person(rng) if english else names.chinese_person(rng)
    birthday = _birthday(rng, today) if rng.random() < BIRTHDAY_SHARE else None
    ascii_name = name if english else "".join(lazy_pinyin(name))
    return {
        "name": name, "title": rng.choice(names.TITLES_EN if english else names.TITLES_ZH),
        # Contact numbers live in another range than customers' (+86 17x…), so they never collide.
        "phone": f"+86{rng.choice(('170', '171', '173', '176'))}{(number * 104729 + 7) % 100_000_000:08d}"
        if rng.random() < 0.6 else None,
        "email": names.email_for(ascii_name, number, rng) if rng.random() < 0.4 else None,
        "birthday_month": birthday.month if birthday else None, "birthday_day": birthday.day if birthday else None,
        "birthday_is_lunar": birthday.is_lunar if birthday else False,
        "birthday_is_leap_month": birthday.is_leap_month if birthday else False,
        "birthday_year": birthday.year if birthday else None, "greeting_language": "en" if english else "zh",
        "created_at": created, "updated_at": created, "deleted_at": None,
    }  # fmt: skip


def _birthday(rng: random.Random, today: date) -> Birthday:
    draw = rng.random()
    if draw < TODAY_SOLAR_SHARE:
        return _solar_today(rng, today)
    if draw < TODAY_SOLAR_SHARE + TODAY_LUNAR_SHARE:
        return _lunar_today(rng, today)
    if draw < TODAY_SOLAR_SHARE + TODAY_LUNAR_SHARE + FEB29_SHARE:
        return _feb29(rng, today)
    year = rng.randint(1955, 2002) if rng.random() < YEAR_KNOWN_SHARE else None
    if rng.random() >= LUNAR_SHARE:
        month = rng.randint(1, 12)
        last_day = calendar.monthrange(year or 2001, month)[1]  # 2001: no Feb 29 drawn at random
        return Birthday(month, rng.randint(1, last_day), year=year)
    if rng.random() < LEAP_MONTH_SHARE:
        return _leap_month(rng, today)
    month = rng.randint(1, 12)
    length = lunar_month_length(year, month, False) if year else 30
    return Birthday(month, rng.randint(1, length or 29), is_lunar=True, year=year)


def _solar_today(rng: random.Random, today: date) -> Birthday:
    return Birthday(today.month, today.day, year=rng.randint(1960, 2000) if (today.month, today.day) != (2, 29) else 2000)


def _lunar_today(rng: random.Random, today: date) -> Birthday:
    month, day, allowed = birthday_keys_for(today).lunar[0]
    leap = allowed[0] if len(allowed) == 1 else rng.random() < 0.1
    return Birthday(month, day, is_lunar=True, is_leap_month=leap)


def _feb29(rng: random.Random, today: date) -> Birthday:
    return Birthday(2, 29, year=rng.choice((None, 1980, 1984, 1988, 1992, 1996, 2000)))


def _leap_month(rng: random.Random, today: date) -> Birthday:
    year = rng.choice(_LEAP_YEARS)
    month = leap_month_of(year)
    return Birthday(month, rng.randint(1, lunar_month_length(year, month, True) or 29), True, True, year)


_SHOWCASE = (_solar_today, _lunar_today, _feb29, _leap_month)
