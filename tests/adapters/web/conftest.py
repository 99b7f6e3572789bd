"""Fixtures: the standalone web server `crmbot run` starts without Slack, on 127.0.0.1:0, plus a rep in chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, func, select

from adapters.bootstrap import Runtime
from adapters.web.service import WebService
from bot.dispatcher import Bot
from storage.models import FollowUp, Satisfaction
from tests.support.chat import Chat, ChatUser

_LINK = re.compile(r"https?://\S+?(/s/\S+)")


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"http_port": 0}


@dataclass
class WebRunning:
    """The running web server and a rep who makes survey links in chat."""

    runtime: Runtime
    service: WebService
    rep: ChatUser

    @property
    def base(self) -> str:
        return self.service.url

    def link(self, command: str = "survey Acme") -> str:
        """The page address of a fresh survey link (the path of the link the rep got, on this server)."""
        reply = self.rep.say(command)
        match = _LINK.search(reply)
        assert match, reply
        return self.base + match[1]

    def count(self, model: Any) -> int:
        with Session(self.runtime.engine) as session:
            return session.exec(select(func.count()).select_from(model)).one()

    def answers(self) -> list[Satisfaction]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(Satisfaction)).all())

    def survey_followups(self) -> int:
        with Session(self.runtime.engine) as session:
            return session.exec(select(func.count()).select_from(FollowUp).where(FollowUp.kind == "survey")).one()


@pytest.fixture
def web(engine, settings, clock) -> Iterator[WebRunning]:
    bot = Bot(engine=engine, settings=settings, clock=clock)
    runtime = Runtime(settings=settings, engine=engine, bot=bot, clock=clock)
    service = WebService(runtime)
    service.start()
    rep = Chat(bot).user("alice")
    rep.say("new Acme")
    try:
        yield WebRunning(runtime, service, rep)
    finally:
        service.stop()
