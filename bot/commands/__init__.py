"""All chat commands, collected into the default registry."""

from __future__ import annotations

from bot.commands.registry import CommandRegistry


def default_registry() -> CommandRegistry:
    """A registry with every built-in command (help reads it back to list them)."""
    from bot.commands import (
        agenda,
        contacts,
        contracts,
        customers,
        deadletters,
        deals,
        followups,
        groups,
        loyalty,
        merging,
        orders,
        ownership,
        people,
        pipeline,
        pool,
        preferences,
        purchases,
        reminders,
        segments,
        sharing,
        surveys,
        tickets,
    )
    from bot.commands.help import make_help_spec
    from bot.screens import SPECS as SCREEN_SPECS

    registry = CommandRegistry()
    registry.add(make_help_spec(lambda: registry))
    for module in (customers, followups, contacts, orders, purchases, contracts, reminders, agenda, ownership,
                   people, preferences, sharing, deadletters, surveys, deals, pipeline, groups, tickets, segments,
                   pool, loyalty, merging):
        for spec in module.SPECS:
            registry.add(spec)
    for spec in SCREEN_SPECS:
        registry.add(spec)
    return registry
