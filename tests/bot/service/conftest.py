"""Service tests use the scheduler's `World` too (ticket deadlines, automation rules)."""

from __future__ import annotations

import pytest

from tests.bot.notifications.helpers import World


@pytest.fixture
def world(engine, settings, clock) -> World:
    return World(engine, settings, clock)
