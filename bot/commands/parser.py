"""Turning a chat line into a `ParsedCommand`, or a `ParseError` the user gets as a reply.

Parse errors are values, not exceptions thrown at the adapter: the dispatcher renders them with the
command's usage line in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.registry import CommandRegistry
from bot.commands.spec import SELF_WORDS, Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.services.money import currency_code
from bot.text.normalize import normalize_text
from bot.text.numerals import parse_cn_count, parse_cn_quantity
from bot.text.verbatim import attach_raw, join_verbatim, raw_suffix
from bot.text.when import WhenError, parse_when, parse_when_prefix
from bot.text.words import Word, split_key_value, split_words

MAX_LINE = 4000  # longer input is refused outright rather than truncated silently


@dataclass
class ParseError:
    """Why a line could not be parsed: a message key + params, and the spec when the command was known."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    spec: CommandSpec | None = None


# Resolves a customer reference from the words that start at the argument; returns (value, words used).
CustomerResolver = Callable[[list[Word], bool], tuple[Any, int]]


@dataclass
class ParseEnv:
    """What parsing needs from the outside: the user's clock/zone and the reference resolvers."""

    now: datetime
    tz: ZoneInfo
    resolve_customer: CustomerResolver
    resolve_user: Callable[[str], Any]


_AMOUNT = re.compile(
    r"^(?P<cur1>[a-zA-Z]{3}|[¥￥$€£])?(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|[^a-zA-Z¥￥$€£]+?)(?P<mult>[kKwW]?)"
    r"(?P<cur2>[a-zA-Z]{3}|元|块钱|块|人民币|美元|美金|欧元|港币|港元|日元|英镑)?$"
)
_DIGIT_GROUP = re.compile(r"^[\d()\-]{2,}$")
_SYMBOLS = {"¥": "CNY", "￥": "CNY", "$": "USD", "€": "EUR", "£": "GBP", "块": "CNY", "块钱": "CNY"}
_MULTIPLIERS = {"": 1, "k": 1000, "K": 1000, "w": 10000, "W": 10000}


def parse_amount(text: str) -> tuple[Decimal, str | None] | None:
    """``12000``, ``1.2万``, ``12k``, ``¥3,500``, ``USD500``, ``500usd``, ``一万二``, ``三万五千元``, ``两千块``
    → (amount, currency or None)."""
    match = _AMOUNT.match(text.strip())
    if not match:
        return None
    number = parse_cn_quantity(match["num"].replace(",", ""))
    if number is None:
        return None
    currency = match["cur1"] or match["cur2"]
    code = (_SYMBOLS.get(currency) or currency_code(currency) or currency.upper()) if currency else None
    amount = number * _MULTIPLIERS[match["mult"]]
    if amount <= 0 or amount >= Decimal("1e12"):
        return None
    return amount.quantize(Decimal("0.01")), code


def split_command(text: str) -> tuple[str, list[Word]]:
    """Normalise a line and split it into the command word and its argument words.

    ``跟进:C42,已报价`` (DingTalk habit) is read as the command ``跟进`` followed by ``C42 已报价``.
    """
    normalized = normalize_text(text)
    words = attach_raw(split_words(normalized), text, normalized)
    if not words:
        return "", []
    first = words[0]
    if not first.quoted:
        for sep in (":", "="):
            head, found, tail = first.text.partition(sep)
            if found and head and not head.isdigit():
                rest = [_tail_word(first, tail)] if tail else []
                return head, rest + words[1:]
    return first.text, words[1:]


def _tail_word(word: Word, tail: str) -> Word:
    """The end of ``word`` as a word of its own (``跟进:C42`` → ``C42``), keeping its typed form."""
    return Word(tail, False, raw=raw_suffix(word, tail) if word.raw else "")


_CJK = re.compile(r"[\u3400-\u9fff]")


def _split_glued_command(word: str, rest: list[Word], registry: CommandRegistry) -> tuple[str, list[Word]]:
    """Chinese is typed without spaces: ``查看阿里巴巴`` is ``查看`` + ``阿里巴巴`` (longest command word wins)."""
    prefixes = [w for w in registry.words() if _CJK.match(w) and word.startswith(w) and len(w) < len(word)]
    if not prefixes:
        return word, rest
    command = max(prefixes, key=len)
    return command, [Word(word[len(command):], False), *rest]  # the name after it is syntax, not text


def command_word(text: str, registry: CommandRegistry) -> str | None:
    """The command word a line starts with, as typed (``show``, ``查看``), or None if it names no command."""
    if len(text) > MAX_LINE:
        return None
    word, rest = split_command(text)
    if word and registry.lookup(word) is None and _CJK.match(word):
        word, rest = _split_glued_command(word, rest, registry)
    return word if word and registry.lookup(word) is not None else None


def parse(text: str, registry: CommandRegistry, env: ParseEnv) -> ParsedCommand | ParseError:
    """Parse one chat line against the registry."""
    if len(text) > MAX_LINE:
        return ParseError("too_long", {"limit": MAX_LINE})
    word, rest = split_command(text)
    if not word:
        return ParseError("empty")
    spec = registry.lookup(word)
    if spec is None and _CJK.match(word):
        word, rest = _split_glued_command(word, rest, registry)
        spec = registry.lookup(word)
    if spec is None:
        return ParseError("unknown_command", {"word": word})
    spec = registry.refine(spec, rest[0].text if rest and not rest[0].quoted else None)
    parsed = ParsedCommand(spec=spec, alias_used=word)
    return _parse_args(spec, rest, env, parsed)


def _parse_args(spec: CommandSpec, words: list[Word], env: ParseEnv, parsed: ParsedCommand) -> ParsedCommand | ParseError:
    positional: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        kv = None if word.quoted else split_key_value(word)
        if kv is None and not word.quoted and word.text[-1:] in (":", "=") and i + 1 < len(words):
            # "电话： 138…" (a space after the colon, common with Chinese input methods)
            key = word.text[:-1]
            if spec.option_named(key) is not None:
                kv = (key.lower(), words[i + 1].text)
                i += 1
        option = spec.option_named(kv[0]) if kv else None
        if kv and option is None and spec.allow_any_option:
            parsed.options[kv[0]] = kv[1]
            i += 1
            continue
        if kv and option is None and _looks_like_field(kv[0], spec):
            return ParseError("unknown_field", {"field": kv[0], "fields": _field_names(spec)}, spec)
        if option is None:
            positional.append(word)
            i += 1
            continue
        if option.kind is ArgKind.NEXT_STEP:
            # `next:<when> <step>` takes everything after it.
            tail = [_tail_word(word, kv[1]), *words[i + 1 :]]
            result = _parse_next_step(option, tail, env, spec)
            if isinstance(result, ParseError):
                return result
            parsed.options[option.name] = result
            break
        raw = kv[1]
        i += 1
        if option.kind is ArgKind.WHEN:
            found = _read_when([Word(raw, False), *words[i:]], env, spec)
            if isinstance(found, ParseError):
                return found
            when, used, rest = found
            if rest:
                return ParseError("bad_date", {"text": raw, "reason": "not_a_date"}, spec)
            parsed.options[option.name] = when
            i += used - 1
            continue
        if option.absorbs_digit_groups:
            while i < len(words) and not words[i].quoted and _DIGIT_GROUP.match(words[i].text):
                raw += " " + words[i].text
                i += 1
        if option.absorbs_comma_list:
            while i < len(words) and words[i].after_comma and not words[i].quoted and not _is_option(words[i], spec):
                raw += "," + words[i].text
                i += 1
        if option.verbatim:
            # A note typed with commas ("备注:拜访客户，谈了采购") is one value, kept as typed.
            taken = [_tail_word(word, raw)]
            while i < len(words) and words[i].after_comma and not _is_option(words[i], spec):
                taken.append(words[i])
                i += 1
            raw = join_verbatim(taken)
        value = _convert(option, raw, env, spec)
        if isinstance(value, ParseError):
            return value
        parsed.options[option.name] = value
    return _bind_positionals(spec, positional, env, parsed)


def _is_option(word: Word, spec: CommandSpec) -> bool:
    kv = split_key_value(word)
    return kv is not None and (spec.option_named(kv[0]) is not None or _looks_like_field(kv[0], spec))


def _looks_like_field(key: str, spec: CommandSpec) -> bool:
    """Whether an unknown ``key:value`` word is a mistake to name rather than part of the line.

    On every command it is, so that ``new Foo birthday:1990-01-01`` is refused instead of creating a customer
    called "Foo birthday:1990-01-01"; the exception is a command that ends in free text typed as is (a
    follow-up note, a reminder), where "客户说：下周签" is what the person wrote. Quoted words, clock times
    and addresses are never keys (`split_key_value`).
    """
    return not any(a.kind is ArgKind.TEXT and a.verbatim for a in spec.args)


def _field_names(spec: CommandSpec) -> str:
    return ", ".join(o.name for o in spec.options)


def _bind_positionals(
    spec: CommandSpec, words: list[Word], env: ParseEnv, parsed: ParsedCommand
) -> ParsedCommand | ParseError:
    i = 0
    for index, arg in enumerate(spec.args):
        remaining = words[i:]
        if not remaining:
            if arg.required:
                return ParseError("missing_argument", {"name": arg.name}, spec)
            continue
        is_last = index == len(spec.args) - 1
        if arg.kind is ArgKind.TEXT:
            text = join_verbatim(remaining) if arg.verbatim else " ".join(w.text for w in remaining)
            if len(text) > arg.max_length:
                return ParseError("text_too_long", {"name": arg.name, "limit": arg.max_length}, spec)
            parsed.values[arg.name] = text
            i = len(words)
            continue
        if arg.kind is ArgKind.CUSTOMER and arg.allows_self:
            if parsed.alias_used.lower() in spec.self_aliases:
                parsed.values[arg.name] = None
                continue
            if not remaining[0].quoted and remaining[0].text.lower() in SELF_WORDS:
                parsed.values[arg.name] = None
                i += 1
                continue
        if arg.kind is ArgKind.CUSTOMER:
            # The resolver may take several words ("Acme Trading log text") when a longer name matches.
            followed_by_text = not is_last
            value, used = env.resolve_customer(remaining, followed_by_text)
            parsed.values[arg.name] = value
            i += max(used, 1)
            continue
        if arg.kind is ArgKind.WHEN:
            found = _read_when(remaining, env, spec)
            if isinstance(found, ParseError):
                return found
            parsed.values[arg.name], used, rest = found
            if rest:
                # A date glued to text ("明天下午3点开会"): the text part stays for the next argument.
                words = [*words[: i + used - 1], Word(rest, False), *words[i + used :]]
                used -= 1
            i += used
            continue
        value = _convert(arg, remaining[0].text, env, spec)
        if isinstance(value, ParseError):
            return value
        parsed.values[arg.name] = value
        i += 1
    if i < len(words):
        extra = " ".join(w.text for w in words[i:])
        return ParseError("unexpected_words", {"words": extra}, spec)
    return parsed


def _convert(arg: Arg | Option, text: str, env: ParseEnv, spec: CommandSpec) -> Any:
    name = arg.name
    if len(text) > arg.max_length:
        return ParseError("text_too_long", {"name": name, "limit": arg.max_length}, spec)
    if arg.kind in (ArgKind.WORD, ArgKind.TEXT):
        return text
    if arg.kind is ArgKind.CHOICE:
        lowered = text.lower()
        if lowered not in arg.choices:
            return ParseError("bad_choice", {"name": name, "value": text, "choices": ", ".join(arg.choices)}, spec)
        return lowered
    if arg.kind is ArgKind.INT:
        count = parse_cn_count(text)
        if count is None:
            return ParseError("bad_number", {"name": name, "value": text}, spec)
        return count
    if arg.kind is ArgKind.AMOUNT:
        amount = parse_amount(text)
        if amount is None:
            return ParseError("bad_amount", {"value": text}, spec)
        return amount
    if arg.kind is ArgKind.USER:
        return env.resolve_user(text)
    if arg.kind is ArgKind.WHEN:
        try:
            found = parse_when([text], now=env.now, tz=env.tz)
        except WhenError as exc:
            return ParseError("bad_date", {"text": text, "reason": exc.reason}, spec)
        if found is None:
            return ParseError("bad_date", {"text": text, "reason": "not_a_date"}, spec)
        return found[0]
    if arg.kind is ArgKind.CUSTOMER:
        value, _ = env.resolve_customer([Word(text, False)], False)
        return value
    raise AssertionError(f"unhandled kind {arg.kind}")


def _read_when(words: list[Word], env: ParseEnv, spec: CommandSpec) -> tuple[Any, int, str] | ParseError:
    """A date/time at the start of `words` → (When, words used, glued rest); quoted words are never dates."""
    texts: list[str] = []
    for word in words:
        if word.quoted:
            break
        texts.append(word.text)
    if not texts:
        return ParseError("bad_date", {"text": words[0].text, "reason": "not_a_date"}, spec)
    try:
        found = parse_when(texts, now=env.now, tz=env.tz)
        if found is not None:
            return found[0], found[1], ""
        glued = parse_when_prefix(texts[0], now=env.now, tz=env.tz)
    except WhenError as exc:
        return ParseError("bad_date", {"text": texts[0], "reason": exc.reason}, spec)
    if glued is None:
        return ParseError("bad_date", {"text": texts[0], "reason": "not_a_date"}, spec)
    return glued[0], 1, glued[1]


def _parse_next_step(option: Option, words: list[Word], env: ParseEnv, spec: CommandSpec) -> Any:
    """``next:<when> <step>``: the date may be glued to the step (``下次:明天打电话``)."""
    found = _read_when([w for w in words if w.text], env, spec) if any(w.text for w in words) else None
    if found is None:
        return ParseError("missing_argument", {"name": option.name}, spec)
    if isinstance(found, ParseError):
        return found
    when, used, rest = found
    typed = [w for w in words if w.text]
    if rest:  # the step glued to its date ("明天打电话，问报价") starts the text
        typed = [Word(rest, False, raw=raw_suffix(typed[used - 1], rest)), *typed[used:]]
        used = 0
    step = join_verbatim(typed[used:])
    if len(step) > option.max_length:
        return ParseError("text_too_long", {"name": option.name, "limit": option.max_length}, spec)
    return when, step
