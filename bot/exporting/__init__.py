"""Exporting the customers a user may see to CSV / XLSX (admins and managers; audited).

Public API: ``export_customers(engine, settings, user=, path=, lang=)`` → ``ExportReport``; raises
``ExportNotAllowed`` for reps and ``UnsupportedFormat`` for file names other than .csv / .xlsx.
"""

from bot.exporting.export import COLUMNS, ExportNotAllowed, ExportReport, export_customers
from bot.exporting.sheets import UnsupportedFormat

__all__ = ["COLUMNS", "ExportNotAllowed", "ExportReport", "UnsupportedFormat", "export_customers"]
