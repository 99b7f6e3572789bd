"""Fixtures for scheduler tests: a `World` on the test database with a recording sender."""

from __future__ import annotations

import pytest

from tests.bot.notifications.helpers import World


@pytest.fixture
def world(engine, settings, clock) -> World:
    return World(engine, settings, clock)
