"""Importing customers from spreadsheets (CSV / XLSX), platform-neutral; the CLI is `crmbot import`.

Public API: ``import_customers(engine, user=, path=, options=ImportOptions(...))`` → ``ImportReport``;
``parse_map_option`` for ``--map``; ``acting_user`` to find the user an admin tool acts as.
"""

from bot.importing.acting import UnknownActingUser, acting_user
from bot.importing.headers import FIELDS, HeaderError, parse_map_option
from bot.importing.importer import DUPLICATE_POLICIES, ImportOptions, ImportReport, import_customers
from bot.importing.readers import UnreadableFile

__all__ = [
    "DUPLICATE_POLICIES",
    "FIELDS",
    "HeaderError",
    "ImportOptions",
    "ImportReport",
    "UnknownActingUser",
    "UnreadableFile",
    "acting_user",
    "import_customers",
    "parse_map_option",
]
