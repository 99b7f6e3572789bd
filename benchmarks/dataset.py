"""The benchmark data: a generated 60,000-customer book (reused between runs), an import file, and the
databases each backend measures on.

SQLite: the book is generated once into ``benchmarks/data/crm-<N>-s<seed>.sqlite`` (a JSON marker beside it
records that generation finished) and every run measures a fresh copy, so writes made by the benchmarks never
drift the data. PostgreSQL: the book lives in its own database (``crmbot_bench`` on the server of
``CRM_TEST_POSTGRES_URL``, created if missing; never the shared test database) and is regenerated only when its
customer count does not match; the benchmarks clean up what they write.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.demo import generate_demo
from bot.demo import names as words
from config.settings import Settings, load_settings
from storage.db import create_db_engine
from storage.migrate import upgrade_database

DATA = Path(__file__).resolve().parent / "data"
SEED = 1
# Wednesday 11:00 in Shanghai: Chinese reps' mornings have passed, London's and New York's have not.
BENCH_NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
BENCH_DATABASE, IMPORT_DATABASE = "crmbot_bench", "crmbot_bench_import"


@dataclass
class Backend:
    """Where one backend's benchmarks run: the book, a way to get an empty import target, and raw DB-API
    connections in autocommit mode (floors that write issue their own BEGIN / COMMIT)."""

    name: str
    url: str
    engine: Engine
    settings: Settings
    raw: Callable[[], object]
    fresh_import_target: Callable[[], tuple[Engine, Settings]]

    def sql(self, statement: str) -> str:
        """Write floors with ``?`` placeholders; PostgreSQL's driver wants ``%s``."""
        return statement if self.name == "sqlite" else statement.replace("?", "%s")

    def instant(self, at: datetime):
        """A timestamp parameter as the raw driver compares it with stored values (SQLite: UTC text)."""
        if self.name == "sqlite":
            return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return at

    def day_of(self, column: str) -> str:
        """SQL for the UTC calendar day of a stored instant."""
        return f"date({column})" if self.name == "sqlite" else f"CAST({column} AT TIME ZONE 'UTC' AS DATE)"


def settings_for(url: str) -> Settings:
    """Default settings pointed at `url`."""
    return load_settings(database_url=url)


# ---- SQLite ----------------------------------------------------------------------------------------------


def sqlite_backend(customers: int, *, regenerate: bool, log: Callable[[str], None]) -> Backend:
    """The SQLite book (generated if missing) copied to a working file for this run."""
    DATA.mkdir(parents=True, exist_ok=True)
    master = DATA / f"crm-{customers}-s{SEED}.sqlite"
    marker = master.with_suffix(".json")
    if regenerate or not marker.exists():
        _remove_sqlite(master)
        marker.unlink(missing_ok=True)
        log(f"generating {customers:,} customers into {master.name} (once; reused by later runs) …")
        engine = _migrated(f"sqlite:///{master}")
        report = generate_demo(engine, settings_for(f"sqlite:///{master}"), customers=customers, seed=SEED,
                               now=BENCH_NOW, progress=_progress(log))
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        marker.write_text(json.dumps({**report.__dict__, "seed": SEED, "now": BENCH_NOW.isoformat()}, indent=2))
        log(f"generated in {report.seconds:.0f} s: {report.followups:,} follow-ups")
    work = DATA / "work.sqlite"
    _remove_sqlite(work)
    shutil.copyfile(master, work)
    url = f"sqlite:///{work}"
    org_template = _sqlite_org_template()

    def fresh_import_target() -> tuple[Engine, Settings]:
        target = DATA / "import-target.sqlite"
        _remove_sqlite(target)
        shutil.copyfile(org_template, target)
        return create_db_engine(f"sqlite:///{target}"), settings_for(f"sqlite:///{target}")

    def raw():
        conn = sqlite3.connect(work, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    return Backend("sqlite", url, create_db_engine(url), settings_for(url), raw, fresh_import_target)


def _sqlite_org_template() -> Path:
    """An empty book with the benchmark's organisation (teams and reps), the import's starting point."""
    path = DATA / f"org-s{SEED}.sqlite"
    if not path.with_suffix(".json").exists():
        _remove_sqlite(path)
        engine = _migrated(f"sqlite:///{path}")
        generate_demo(engine, settings_for(f"sqlite:///{path}"), customers=0, seed=SEED, now=BENCH_NOW)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        path.with_suffix(".json").write_text("{}")
    return path


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _migrated(url: str) -> Engine:
    engine = create_db_engine(url)
    upgrade_database(engine)
    return engine


def _progress(log: Callable[[str], None]) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            log(f"  {done:,} / {total:,} customers")
    return report


# ---- PostgreSQL ------------------------------------------------------------------------------------------


def postgres_backend(server_url: str, customers: int, *, regenerate: bool, log: Callable[[str], None]) -> Backend:
    """The book in its own database on the server of ``server_url`` (regenerated when incomplete)."""
    import psycopg

    url = _ensure_database(server_url, BENCH_DATABASE)
    import_url = _ensure_database(server_url, IMPORT_DATABASE)
    engine = _migrated(url)
    settings = settings_for(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM customer")).scalar_one()
    if regenerate or count != customers:
        log(f"generating {customers:,} customers into PostgreSQL database {BENCH_DATABASE} …")
        _truncate(engine)
        report = generate_demo(engine, settings, customers=customers, seed=SEED, now=BENCH_NOW,
                               progress=_progress(log))
        log(f"generated in {report.seconds:.0f} s: {report.followups:,} follow-ups")
    import_engine = _migrated(import_url)

    def fresh_import_target() -> tuple[Engine, Settings]:
        _truncate(import_engine)
        import_settings = settings_for(import_url)
        generate_demo(import_engine, import_settings, customers=0, seed=SEED, now=BENCH_NOW)
        return import_engine, import_settings

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return Backend("postgresql", url, engine, settings, lambda: psycopg.connect(conninfo, autocommit=True),
                   fresh_import_target)


def _ensure_database(server_url: str, name: str) -> str:
    import psycopg

    base = make_url(server_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def _truncate(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables)

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


# ---- the import file -------------------------------------------------------------------------------------

_MOBILE_PREFIXES = ("130", "131", "135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188")
IMPORT_HEADER = ["客户名称", "联系电话", "邮箱", "行业", "地区", "负责人", "联系人", "职位", "生日", "标签", "备注"]


def import_file(rows: int, owners: list[str]) -> Path:
    """A CSV of ``rows`` customers as a team would hand it over: Chinese headers, phones in many spellings,
    owners by name, solar and lunar birthdays, and about 3% rows that must be rejected or skipped."""
    path = DATA / f"import-{rows}-s{SEED}.csv"
    if path.exists():
        return path
    rng = random.Random(SEED)
    previous = ""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(IMPORT_HEADER)
        for number in range(rows):
            name, industry, region = words.chinese_company(rng) if rng.random() < 0.8 else words.english_company(rng)
            digits = f"{rng.choice(_MOBILE_PREFIXES)}{(number * 7919 + 17) % 100_000_000:08d}"
            phone = rng.choice((digits, f"{digits[:3]} {digits[3:7]} {digits[7:]}", f"+86-{digits}",
                                f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"))
            draw = rng.random()
            if draw < 0.01:
                name = ""  # rejected: no name
            elif draw < 0.02:
                phone = phone[:5]  # rejected: not a phone number
            elif draw < 0.03 and previous:
                phone = f"+86 {previous}"  # skipped: the previous row's customer again, spelled differently
            previous = digits
            birthday = rng.choice(("", "", f"{rng.randint(1960, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                                   f"农历{rng.choice(('正', '三', '八', '腊'))}月{rng.choice(('初五', '十五', '廿三'))}"))
            writer.writerow([name, phone, f"buyer{number}@{rng.choice(('163.com', 'qq.com', 'example.com'))}"
                             if rng.random() < 0.5 else "", industry, region, rng.choice(owners),
                             words.chinese_person(rng), rng.choice(words.TITLES_ZH), birthday,
                             "、".join(rng.sample(words.TAGS_ZH, k=rng.choice((0, 1, 2)))), ""])
    return path


def owner_names(engine: Engine) -> list[str]:
    """The reps of the benchmark organisation (owner cells of the import file)."""
    with engine.connect() as conn:
        return [name for (name,) in conn.execute(text("SELECT name FROM app_user WHERE role = 'rep' ORDER BY id"))]
