"""Groups the robot has seen (`ChatConversation` rows): group pushes need a group's `openConversationId`,
which DingTalk only tells us in a group callback's `conversationId`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from bot.clock import Clock
from storage.models import ChatConversation
from storage.uow import unit_of_work

PLATFORM = "dingtalk"


class GroupDirectory:
    """Records groups as messages arrive (at most one write per group per `refresh_after` seconds)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        refresh_after: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.refresh_after = refresh_after
        self._monotonic = monotonic
        self._written: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def remember(self, workspace: str, conversation_id: str, title: str | None) -> None:
        """Insert or refresh the group's row (title, last seen); safe when replicas race on the same group."""
        key = (workspace, conversation_id)
        now = self._monotonic()
        with self._lock:
            last = self._written.get(key)
            if last is not None and now - last[0] < self.refresh_after and last[1] == title:
                return
            self._written[key] = (now, title)
        values = {"platform": PLATFORM, "workspace": workspace, "conversation_id": conversation_id,
                  "title": title[:200] if title else None, "last_seen_at": self.clock.now()}
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(ChatConversation).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "workspace", "conversation_id"],
            set_={"title": statement.excluded.title, "last_seen_at": statement.excluded.last_seen_at},
        )
        with unit_of_work(self.engine) as session:
            session.exec(statement)

    def groups(self, workspace: str) -> list[ChatConversation]:
        """Every group of `workspace` the robot has seen, most recently active first."""
        with unit_of_work(self.engine, write=False) as session:
            rows = session.exec(
                select(ChatConversation)
                .where(ChatConversation.platform == PLATFORM, ChatConversation.workspace == workspace)
                .order_by(ChatConversation.last_seen_at.desc())
            ).all()
            return list(rows)
