"""Users with roles and teams for import tests, and a helper that runs an import as one of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.importing import ImportOptions, acting_user, import_customers
from storage.models import Customer
from storage.uow import unit_of_work


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["boss"]},
        "teams": [
            {"name": "East", "managers": ["mia"], "members": ["alice", "bob"]},
            {"name": "West", "members": ["carol"]},
        ],
    }


@pytest.fixture
def user(engine, settings):
    """`user("alice")`: the user as `crmbot import --as alice` would find or create them."""

    def make(name: str):
        with unit_of_work(engine) as session:
            return acting_user(session, settings, name)

    return make


@pytest.fixture
def people(user):
    """Everyone has used the bot once, so owner cells can name them."""
    return {name: user(name) for name in ("boss", "mia", "alice", "bob", "carol")}


@pytest.fixture
def run_import(engine, clock, user, people):
    """`run_import(path, as_="boss", progress=None, on_duplicate=..., ...)` → ImportReport (one worker unless asked)."""

    def run(path: Path, *, as_: str = "boss", progress=None, **options):
        options.setdefault("workers", 1)
        return import_customers(engine, user=user(as_), path=path, options=ImportOptions(**options), clock=clock,
                                progress=progress)

    return run


@pytest.fixture
def stored(engine):
    """`stored()`: every customer as a dict (name → row), `stored.contacts()`, `stored.audit()`."""

    class Stored:
        def __call__(self) -> dict[str, dict]:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT c.*, u.name AS owner FROM customer c JOIN app_user u ON u.id = c.owner_id ORDER BY c.id"
                )).mappings().all()
            return {row["name"]: dict(row) for row in rows}

        def count(self) -> int:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM customer")).scalar_one()

        def contacts(self) -> list[dict]:
            with engine.connect() as conn:
                return [dict(r) for r in conn.execute(text("SELECT * FROM contact ORDER BY id")).mappings()]

        def audit(self) -> list[dict]:
            with engine.connect() as conn:
                return [dict(r) for r in conn.execute(text(
                    "SELECT * FROM audit_log WHERE action = 'import' ORDER BY id")).mappings()]

    return Stored()


@pytest.fixture
def existing(engine, user, clock):
    """`existing("Name", owner="carol", phone="+86139…", **fields)`: a customer already in the database."""
    from bot.services.customers import search_keys

    def make(name: str, *, owner: str = "carol", **fields) -> int:
        owner_user = user(owner)
        with unit_of_work(engine) as session:
            customer = Customer(tenant=owner_user.tenant, name=name, owner_id=owner_user.id, team_id=owner_user.team_id,
                                created_at=clock.now(), updated_at=clock.now(), **search_keys(name).__dict__, **fields)
            session.add(customer)
            session.flush()
            return customer.id

    return make
