"""Money as crmbot shows and reads it: ``CNY 12,000.00``, currency codes from words people type."""

from __future__ import annotations

import re
from decimal import Decimal

DEFAULT_CURRENCY = "CNY"
_CURRENCY_WORDS = {"rmb": "CNY", "人民币": "CNY", "元": "CNY", "¥": "CNY", "￥": "CNY", "美元": "USD",
                   "美金": "USD", "$": "USD", "欧元": "EUR", "€": "EUR", "港币": "HKD", "港元": "HKD",
                   "日元": "JPY", "英镑": "GBP", "£": "GBP"}
_CURRENCY_CODE = re.compile(r"^[A-Za-z]{3}$")


def format_money(amount: Decimal | float | int, currency: str) -> str:
    """``CNY 12,000.00``: how amounts are shown in replies and notifications."""
    return f"{currency} {Decimal(amount):,.2f}"


def currency_code(text: str) -> str | None:
    """An ISO 4217-style code for ``usd``, ``人民币``, ``¥`` …; None when the text names no currency."""
    cleaned = text.strip()
    code = _CURRENCY_WORDS.get(cleaned.lower())
    if code is None and _CURRENCY_CODE.match(cleaned):
        code = cleaned.upper()
    return code
