"""The dispatcher: one incoming message in, replies out, inside one unit of work.

Steps: dedupe by platform message id → resolve the user → parse with the command specs → check the role
→ run the handler → render, all in one transaction. A `UserError` rolls the command back and is replied
verbatim (the message id and the user are then recorded on their own); any other exception goes to the shared
error hook and the user sees a reference id. A transaction that loses a race with a concurrent one (on
PostgreSQL: a serialization failure, a deadlock, a unique key taken first) runs again from the start, a
bounded number of times, so the user sees the outcome rather than an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot import actions, prompts, screens, threads
from bot.clock import Clock, SystemClock
from bot.commands import default_registry
from bot.commands.parser import ParseEnv, ParseError, command_word, parse, split_command
from bot.commands.registry import CommandRegistry
from bot.commands.spec import ArgKind, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError, report_error
from bot.events import Event
from bot.messages import InboundKind, Incoming, Reply
from bot.observability import count, request_scope
from bot.render import Markdown, escape_md, pick_language, t
from bot.services.chat_groups import GroupDirectory
from bot.services.customers import resolve_customer
from bot.text.hygiene import storable, unstorable
from bot.text.words import Word
from bot.users import SyncReport, find_user, identity_columns, identity_from, resolve_user, sync_config
from config.settings import Settings
from storage.models import ProcessedMessage, SharedCard, User
from storage.uow import run_in_transaction, unit_of_work

log = logging.getLogger("crmbot.dispatcher")
_CJK = re.compile(r"[\u3400-\u9fff]")
DEDUPE_TTL = timedelta(days=2)


# Commands the platform wrote for the user (a card button, a form, a shortcut): their words are ours.
_NOT_TYPED = frozenset({InboundKind.BUTTON, InboundKind.FORM, InboundKind.SHORTCUT})


class _Refused(Exception):
    """A user error on its way out of the transaction, so everything the command did is rolled back."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply)
        self.reply = reply


def guess_language(text: str) -> str:
    """zh when the text has Chinese characters, else en (used until the user sets a language)."""
    return "zh" if _CJK.search(text or "") else "en"


class Bot:
    """The platform-neutral core: adapters hand it `Incoming` messages and render its `Reply`s."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        clock: Clock | None = None,
        registry: CommandRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock or SystemClock()
        self.registry = registry or default_registry()
        self._listeners: list[Callable[[Event], None]] = []
        self.groups = GroupDirectory()

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` for every domain event, after the command's transaction committed."""
        self._listeners.append(listener)

    def publish(self, events: Iterable[Event]) -> None:
        """Hand committed events to the listeners; a failing listener is reported, never raised."""
        for event in events:
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception as exc:
                    report_error(exc, {"event": type(event).__name__})

    # -- the request path ---------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Run one message, click, form or thread reply and return the replies for the asker.

        Empty for a duplicate, and for a thread reply that logs nothing (see `bot.threads`).
        """
        with request_scope(incoming.platform):
            count("commands_total")
            return self._handle(incoming)

    def _handle(self, incoming: Incoming) -> list[Reply]:
        incoming = _as_command(_storable_identity(incoming))

        thread_customer: int | None = None
        if threads.is_thread_reply(incoming):
            # Most thread chatter is not on a shared card: one read settles it, without the write lock.
            try:
                with unit_of_work(self.engine, write=False) as session:
                    found = threads.as_log_command(session, incoming)
            except Exception as exc:
                return [self._internal_error(incoming, exc)]
            if found is None:
                return []
            incoming, thread_customer = found
        command = incoming

        def attempt(session: Session) -> tuple[list[Reply], list[Event]] | None:
            known: Any = None
            if command.message_id:
                first, known = self._claim(session, command)
                if not first:
                    return None
            if command.remember_group and not command.is_direct:
                self.groups.remember(session, platform=command.platform, workspace=command.workspace,
                                     conversation_id=command.channel, title=command.group_title,
                                     now=self.clock.now())
            user = (resolve_user(session, command, self.settings, known=known) if command.message_id
                    else resolve_user(session, command, self.settings))
            if thread_customer is not None and not threads.may_log(session, user, thread_customer):
                return None
            if user.deactivated_at is not None:
                # Deactivated people can neither type commands nor click buttons; nothing runs.
                return [self._deactivated_reply(user, command)], []
            problem = unstorable(command.text)
            if problem is not None:  # a NUL byte or broken Unicode: say so instead of failing in the driver
                lang = self._language(user, storable(command.text, broken=""))
                return [Reply(text=t("unreadable_text", lang, problem=problem), ok=False, lang=lang)], []
            replies, events = self._run(session, user, command)
            if thread_customer is not None and all(reply.ok for reply in replies):
                replies = [replace(reply, quiet=True) for reply in replies]
            return replies, events

        try:
            outcome = run_in_transaction(self.engine, attempt)
        except _Refused as refused:
            return self._record_refused(incoming, refused.reply)
        except IntegrityError:
            if incoming.message_id and self.already_processed(incoming):
                return []
            return [self._internal_error(incoming, None)]
        except Exception as exc:
            return [self._internal_error(incoming, exc)]
        if outcome is None:
            return []
        replies, events = outcome
        self.publish(events)
        return replies

    def sync_config(self, settings: Settings | None = None) -> SyncReport:
        """Apply roles and teams from the config to everyone (at start, and with new settings on reload)."""
        if settings is not None:
            self.settings = settings
        with unit_of_work(self.engine) as session:
            report = sync_config(session, self.settings, now=self.clock.now())
        if report.created or report.changed:
            log.info("config applied: %d created before their first message, %d changed",
                     len(report.created), len(report.changed))
        return report

    def _deactivated_reply(self, user: User, incoming: Incoming) -> Reply:
        lang = self._language(user, incoming.text)
        return Reply(text=t("deactivated_self", lang), ok=False, lang=lang)

    def _record_refused(self, incoming: Incoming, reply: Reply) -> list[Reply]:
        """After a user error: remember the message id (a redelivery stays quiet) and the new user, nothing else."""
        def record(session: Session) -> bool:
            if incoming.message_id and not self._first_time(session, incoming):
                return False
            resolve_user(session, incoming, self.settings)
            return True

        try:
            first = run_in_transaction(self.engine, record)
        except Exception as exc:
            return [self._internal_error(incoming, exc)]
        return [reply] if first else []

    def _first_time(self, session: Session, incoming: Incoming) -> bool:
        """Claim the message id; False when it was handled already. One statement: ``INSERT … ON CONFLICT DO
        NOTHING`` (on PostgreSQL a concurrent twin waits for the first to commit, then inserts nothing)."""
        values = {"platform": incoming.platform, "message_key": f"{incoming.workspace}:{incoming.message_id}",
                  "processed_at": self.clock.now()}
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (dialect.insert(ProcessedMessage).values(**values).on_conflict_do_nothing()
                     .returning(ProcessedMessage.platform))
        return session.execute(statement).first() is not None

    def _claim(self, session: Session, incoming: Incoming) -> tuple[bool, Any]:
        """`_first_time` and the asker's identity and user (`bot.users.identity_columns`) in one statement:
        ``(False, None)`` when the message was handled already."""
        values = {"platform": incoming.platform, "message_key": f"{incoming.workspace}:{incoming.message_id}",
                  "processed_at": self.clock.now()}
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (dialect.insert(ProcessedMessage).values(**values).on_conflict_do_nothing()
                     .returning(ProcessedMessage.platform,
                                *identity_columns(incoming, session.get_bind().dialect.name)))
        row = session.execute(statement).first()
        if row is None:
            return False, None
        return True, identity_from(session, row[1:])

    def already_processed(self, incoming: Incoming) -> bool:
        """Whether a message id was handled already (adapters use it to skip redeliveries early)."""
        if not incoming.message_id:
            return False
        with Session(self.engine) as session:
            key = (incoming.platform, f"{incoming.workspace}:{incoming.message_id}")
            return session.get(ProcessedMessage, key) is not None

    def _run(self, session: Session, user: User, incoming: Incoming) -> tuple[list[Reply], list[Event]]:
        ctx = CommandContext(
            session=session,
            user=user,
            incoming=incoming,
            settings=self.settings,
            clock=self.clock,
            lang=self._language(user, incoming.text, typed=incoming.kind not in _NOT_TYPED),
        )
        env = ParseEnv(
            now=ctx.now,
            tz=ctx.tz,
            resolve_customer=lambda words, more: resolve_customer(
                session, user=user, words=words, followed_by_text=more
            ),
            resolve_user=lambda ref: _one_user(session, user, ref, incoming.platform),
        )
        # No savepoint (two statements on every command): a user error leaves the whole transaction instead.
        try:
            asked = prompts.waiting(user, incoming, ctx.now) if incoming.kind not in _NOT_TYPED else None
            if asked:
                answer = prompts.take(session, user, incoming, now=ctx.now)
                if answer is not None:
                    return self._answer_prompt(ctx, env, answer)
            elif asked is False:
                prompts.forget(session, user)
            if actions.is_stale(incoming.text):
                raise UserError("stale_action")
            parsed = parse(incoming.text, self.registry, env)
            if isinstance(parsed, ParseError) and asked is False and parsed.key == "unknown_command":
                # Most likely the note for a question that timed out: say so rather than "unknown command".
                raise UserError("prompt_expired", minutes=int(prompts.PROMPT_TTL.total_seconds() // 60))
            if isinstance(parsed, ParseError):
                return [self._parse_error_reply(ctx, parsed)], []
            screen, command_line = 1, incoming.text
            if parsed.spec is screens.MORE:
                # `more <n> <command>`: the n-th screen of a read-only command's long answer, run again.
                inner = parse(parsed.get("command"), self.registry, env)
                if isinstance(inner, ParseError):
                    return [self._parse_error_reply(ctx, inner)], []
                if inner.spec.writes or inner.spec is screens.MORE:
                    raise UserError("more_read_only", command=inner.alias_used)
                screen, command_line, parsed = max(1, parsed.get("screen")), parsed.get("command"), inner
            if user.language is None and incoming.kind not in _NOT_TYPED:
                ctx.lang = self._language(user, parsed.alias_used)
                if user.last_language != ctx.lang:
                    user.last_language = ctx.lang  # pushes follow the language the user types
                    session.add(user)
            if user.role not in parsed.spec.roles:
                raise UserError("not_allowed", command=parsed.alias_used, role=user.role,
                                roles=",".join(sorted(parsed.spec.roles)))
            result = parsed.spec.handler(ctx, parsed)
        except UserError as exc:
            raise _Refused(_user_error_reply(ctx, exc)) from exc
        replies = [result] if isinstance(result, Reply) else list(result)
        if not parsed.spec.writes:
            replies = screens.paged(ctx, replies, command=command_line, screen=screen)
        return [r if r.lang == ctx.lang else replace(r, lang=ctx.lang) for r in replies], ctx.events

    def _answer_prompt(self, ctx: CommandContext, env: ParseEnv, answer: prompts.Answer) -> tuple[list[Reply], list[Event]]:
        """Run the command a prompt was waiting for, with the person's message as its text (see `bot.prompts`)."""
        if answer.cancelled:
            return [Reply(text=ctx.t("prompt_cancelled"), lang=ctx.lang)], ctx.events
        spec = self.registry.lookup(answer.command)
        if spec is None or ctx.user.role not in spec.roles:
            raise UserError("prompt_cancelled")
        customer, _ = env.resolve_customer([Word(f"#{answer.customer_id}", False)], True)
        text_arg = next(a for a in spec.args if a.kind is ArgKind.TEXT)
        if len(answer.text) > text_arg.max_length:
            raise UserError("text_too_long", name=text_arg.name, limit=text_arg.max_length)
        parsed = ParsedCommand(spec=spec, values={"customer": customer, text_arg.name: answer.text},
                               alias_used=spec.word(ctx.lang))
        result = spec.handler(ctx, parsed)
        replies = [result] if isinstance(result, Reply) else list(result)
        return [r if r.lang == ctx.lang else replace(r, lang=ctx.lang) for r in replies], ctx.events

    def _language(self, user: User, text: str, *, typed: bool = True) -> str:
        """The reply language: the user's setting, else the command word they typed (never the language of
        a customer name further on; an unknown first word counts the same), else the language they typed last,
        else the default. A button's or form's command was not typed: it says nothing about the language."""
        if user.language:
            return pick_language(user.language)
        word = (command_word(text, self.registry) or split_command(text)[0]) if text and typed else ""
        if _CJK.search(word) or re.search(r"[A-Za-z]", word):
            return guess_language(word)
        if user.last_language:
            return pick_language(user.last_language)
        return self.settings.defaults.language

    def _parse_error_reply(self, ctx: CommandContext, error: ParseError) -> Reply:
        message = t(error.key, ctx.lang, **error.params)
        if error.spec is not None:
            example = next((e for e in error.spec.examples if guess_language(e.split()[0]) == ctx.lang), None)
            usage = t("usage_line", ctx.lang, usage=error.spec.usage(ctx.lang), command=error.spec.word(ctx.lang),
                      example=example)
            message = Markdown(f"{message}\n{usage}")
        return Reply(text=message, ok=False, lang=ctx.lang)

    def _internal_error(self, incoming: Incoming, exc: BaseException | None) -> Reply:
        count("command_errors_total")
        error = exc or RuntimeError("integrity error")
        ref = report_error(error, {"platform": incoming.platform, "user": incoming.user_id, "text": incoming.text[:200]})
        lang = guess_language(incoming.text) if incoming.text else self.settings.defaults.language
        return Reply(text=t("internal_error", lang, ref=ref), ok=False, lang=lang, error_ref=ref)

    # -- things adapters report back ----------------------------------------------------------------

    def record_shared_card(
        self, *, customer_id: int, platform: str, workspace: str, channel: str, message_id: str, shared_by: Incoming
    ) -> None:
        """Remember a card posted by `share`, so thread replies and later changes find it."""
        def record(session: Session) -> None:
            user = resolve_user(session, shared_by, self.settings)
            now = self.clock.now()
            # The card shared before in this channel stops being the live one (a unique index keeps one live).
            session.execute(
                update(SharedCard)
                .where(col(SharedCard.customer_id) == customer_id, col(SharedCard.platform) == platform,
                       col(SharedCard.workspace) == workspace, col(SharedCard.channel) == channel,
                       col(SharedCard.replaced_at).is_(None))
                .values(replaced_at=now)
            )
            assert user.id is not None  # resolved users are stored
            session.add(SharedCard(customer_id=customer_id, platform=platform, workspace=workspace, channel=channel,
                                   message_id=message_id, shared_by=user.id, created_at=now))

        run_in_transaction(self.engine, record)

    def forget_processed(self, older_than: timedelta = DEDUPE_TTL) -> int:
        """Drop dedupe entries past their usefulness (platform retries stop within hours)."""
        cutoff = self.clock.now() - older_than
        with unit_of_work(self.engine) as session:
            result = session.exec(delete(ProcessedMessage).where(col(ProcessedMessage.processed_at) < cutoff))
            return result.rowcount or 0


def _storable_identity(incoming: Incoming) -> Incoming:
    """`incoming` with the platform's identifiers and names safe to store (see `bot.text.hygiene.storable`);
    the text itself is checked apart, so its user gets a clear answer."""
    fields = ("workspace", "channel", "user_id", "message_id", "thread", "user_name", "user_timezone", "group_title")
    changed: dict[str, Any] = {name: storable(value) for name in fields
               if isinstance(value := getattr(incoming, name), str) and storable(value) != value}
    return replace(incoming, **changed) if changed else incoming


def _as_command(incoming: Incoming) -> Incoming:
    """A click (an encoded `bot.actions` value, on a button or in a quick link's message) as the command it
    runs; nobody typed it, so it says nothing about the clicker's language. Other input is left as it is."""
    action = actions.find(incoming.text)
    if action is None:
        return incoming
    kind = incoming.kind if incoming.kind in _NOT_TYPED else InboundKind.BUTTON
    return replace(incoming, text=actions.command_text(action), kind=kind)


def _one_user(session: Session, asker: User, ref: str, platform: str) -> User:
    # Deactivated people can still be named (to hand their book over); commands refuse to give them work.
    matches = find_user(session, tenant=asker.tenant, reference=ref, platform=platform, include_inactive=True)
    if not matches:
        raise UserError("user_not_found", ref=ref)
    if len(matches) > 1:
        raise UserError("user_ambiguous", ref=ref, candidates=", ".join(escape_md(u.name) for u in matches[:8]))
    return matches[0]


def _user_error_reply(ctx: CommandContext, exc: UserError) -> Reply:
    return Reply(text=t(exc.key, ctx.lang, **exc.params), ok=False, lang=ctx.lang)
