"""Pure text handling for the core: normalising chat input, splitting it into words, reading dates and
times, and normalising what identifies a customer (phone, email, name, pinyin).

Nothing here touches a database or does I/O; every function is called on the hot path of each chat
message, so they are plain functions over strings with precompiled patterns. Import the submodules
directly (``bot.text.when``, ``bot.text.identity``...): this package deliberately re-exports nothing so
that reading a command does not pay for loading the pinyin dictionaries.
"""
