"""Seeded, realistic demo data: teams, reps in several zones, customers, contacts, follow-ups, orders.

Public API: ``generate_demo(engine, settings, customers=N, seed=S, now=None)`` → ``DemoReport``; ``DemoError``.
"""

from bot.demo.generate import DemoError, DemoReport, generate_demo

__all__ = ["DemoError", "DemoReport", "generate_demo"]
