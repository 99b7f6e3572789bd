"""Team channels from config: `[[teams]] channel = "slack:T1:C123"` links a chat channel to a team.

The birthday enqueue joins `chat_conversation.team_id`, so config is written there (config is the source
of truth, as for roles and teams in `bot.users.apply_config`). A channel the bot has merely seen keeps
`team_id` unset and gets no team posts.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.notifications.routing import channel_target
from bot.users import ensure_team
from config.settings import Settings
from storage.models import ChatConversation


def sync_team_channels(session: Session, settings: Settings, *, now: datetime) -> int:
    """Link every configured team channel to its team; returns how many links were created or moved."""
    changed = 0
    for team_config in settings.teams:
        if not team_config.channel:
            continue
        target = channel_target(team_config.channel)
        tenant = settings.tenant_for(target.platform, target.workspace)
        team = ensure_team(session, tenant, team_config.name, shares=team_config.shares_customers)
        conversation = session.exec(
            select(ChatConversation).where(
                ChatConversation.platform == target.platform,
                ChatConversation.workspace == target.workspace,
                ChatConversation.conversation_id == target.channel,
            )
        ).first()
        if conversation is None:
            session.add(ChatConversation(platform=target.platform, workspace=target.workspace,
                                         conversation_id=target.channel or "", team_id=team.id, last_seen_at=now))
            changed += 1
        elif conversation.team_id != team.id:
            conversation.team_id = team.id
            session.add(conversation)
            changed += 1
    return changed
