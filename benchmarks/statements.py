"""Statements per command: how many SQL statements one chat command sends to the database.

On PostgreSQL every statement is a round trip on the wire (about 0.3–0.5 ms on loopback, more across a network),
so the count bounds what no index can save. Counted are the statements the application executes; the
transaction's BEGIN and COMMIT come on top (two more round trips on PostgreSQL, which psycopg sends by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

STATEMENT_BUDGET = 6  # per interactive command on a warm connection
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


def statements_of(engine: Engine, work: Callable[[], object]) -> list[str]:
    """The statements `work` sends through `engine` (without transaction control), in order."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


# ---- `python -m benchmarks.statements`: the count of every interactive command, on both backends -------------

# (command typed, what it stands for; each is typed once to warm up, some in another form: `_WARM_UP`). The book: a customer with history (follow-ups, an order, a contact, an
# open step), a second one, and a Chinese one; the asker is a rep whose identity is known (a warm connection).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("show #1", "show"),
    ("log #1 called about the renewal", "log"),
    ("log #1 called next:friday 10:00 call back", "log with a next step"),
    ("find Acme", "find, a name"),
    ("find atc", "find, pinyin initials or prefix"),
    ("find 13800138000", "find, a phone"),
    ("find acmi tradng", "find, fuzzy (a typo)"),
    ("find 深证", "find, a homophone typo"),
    ("find yinhang", "find, pinyin inside a name"),
    ("find 中国", "find, two characters"),
    ("new Globex Ltd", "new"),
    ("edit #1 region:北京", "edit"),
    ("today", "today"),
    ("paid #2", "paid"),
    ("remind #1 friday 16:00 call again", "remind"),
    ("find Acme page:2", "find, a later page"),
    ("log #1", "log without a note (asks for it)"),
    ("more 2 help", "more, the next screen of a long answer"),
    ("group id", "group id"),
)
# The warm-up of a command that cannot be typed twice alike (a second `new Globex Ltd` is a duplicate).
_WARM_UP = {"new Globex Ltd": "new Initech", "paid #2": "paid #1",
            "remind #1 friday 16:00 call again": "remind #1 friday 15:00 call back"}
_BOOK = ("new Acme Trading phone:13800138000", "new 中国银行", "contact #1 Zhang Wei phone:13900139000",
         "order #1 100", "order #1 200", *(f"log #1 call {n}" for n in range(6)),
         "log #1 visit next:monday 10:00 send quote")


def count_commands(url: str, *, big_book: bool = False, who: str = "rep") -> list[tuple[str, str, int]]:
    """(command, what, statements) for each of `COMMANDS` on the migrated, empty database at `url`, as a rep
    on a message-id platform (each command claims its message id, as Slack and DingTalk send), in a team that
    shares its customers (`who="manager"`: as that team's manager). With `big_book`
    the search is pushed onto the paths of a large book (index look-ups, with a size check before each) even
    though this book is tiny: an upper bound, not what a real large book costs (`benchmarks.run` measures that)."""
    import itertools
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from adapters.platforms import discover
    from bot.clock import FixedClock
    from bot.dispatcher import Bot
    from bot.messages import Incoming
    from bot.services import trigram_lookup
    from config.settings import load_settings
    from storage.db import create_db_engine

    discover()  # the platforms, as `crmbot` registers them at start (the terminal's is the asker's)
    engine = create_db_engine(url)
    ids = itertools.count()
    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(database_url=url, data_dir=Path(data), teams=[
            {"name": "East", "managers": ["manager"], "members": ["rep"], "shares_customers": True}])
        bot = Bot(engine=engine, settings=settings, clock=FixedClock(datetime(2026, 11, 18, 2, 0, tzinfo=UTC)))

        def say(line: str) -> None:
            bot.handle(Incoming(platform="console", workspace="", channel=f"console:{who}", user_id=who,
                                user_name=who, text=line, message_id=f"statements-{next(ids)}", is_direct=True))

        saved = trigram_lookup.SMALL_BOOK, trigram_lookup.LOOKUP_COST
        if big_book:
            trigram_lookup.SMALL_BOOK, trigram_lookup.LOOKUP_COST = 0, 0
        try:
            for line in _BOOK:
                say(line)
            counts = []
            for line, what in COMMANDS:
                say(_WARM_UP.get(line, line))  # warm: the statement caches, the search-index answer
                counts.append((line, what, len(statements_of(engine, lambda line=line: say(line)))))
        finally:
            trigram_lookup.SMALL_BOOK, trigram_lookup.LOOKUP_COST = saved
            engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    """Print statements per command on SQLite, and on PostgreSQL when ``CRM_TEST_POSTGRES_URL`` names a server
    (in a scratch database of its own, ``<CRM_BENCH_DATABASE>_statements``, emptied first)."""
    import argparse
    import os
    import tempfile
    from pathlib import Path

    from storage.db import create_db_engine
    from storage.migrate import upgrade_database

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--big-book", action="store_true",
                        help="push search onto the large-book paths (an upper bound on a tiny book)")
    args = parser.parse_args(argv)
    urls: list[tuple[str, str]] = []
    scratch = tempfile.TemporaryDirectory()
    sqlite_url = f"sqlite:///{Path(scratch.name) / 'statements.db'}"
    urls.append(("sqlite", sqlite_url))
    server = os.environ.get("CRM_TEST_POSTGRES_URL")
    if server:
        from benchmarks.dataset import BENCH_DATABASE, _ensure_database, _truncate

        pg_url = _ensure_database(server, f"{BENCH_DATABASE}_statements")
        urls.append(("postgresql", pg_url))
    columns: dict[str, dict[str, int]] = {}
    rows: list[tuple[str, str]] = []
    for backend, url in urls:
        engine = create_db_engine(url)
        upgrade_database(engine)
        if backend == "postgresql":
            _truncate(engine)
        engine.dispose()
        for who in ("rep", "manager"):
            if backend == "postgresql":
                engine = create_db_engine(url)
                _truncate(engine)
                engine.dispose()
            elif who == "manager":
                Path(sqlite_url.removeprefix("sqlite:///")).unlink()
                engine = create_db_engine(sqlite_url)
                upgrade_database(engine)
                engine.dispose()
            for line, what, count in count_commands(url, big_book=args.big_book, who=who):
                columns.setdefault(f"{backend} ({who})", {})[line] = count
                if (line, what) not in rows:
                    rows.append((line, what))
    backends = list(columns)
    print(f"statements per command (budget {STATEMENT_BUDGET}; BEGIN/COMMIT not counted)")
    print(f"{'command':<44} {'what':<34} " + " ".join(f"{b:>22}" for b in backends))
    over = 0
    for line, what in rows:
        counts = [columns[b][line] for b in backends]
        over += sum(1 for c in counts if c > STATEMENT_BUDGET)
        marks = " ".join(f"{c:>21}{'!' if c > STATEMENT_BUDGET else ' '}" for c in counts)
        print(f"{line:<44} {what:<34} {marks}")
    scratch.cleanup()
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
