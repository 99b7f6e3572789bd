"""Who owns an imported customer: the owner column matched to a user, within what the importer may assign.

An owner cell may hold a user's name, display name, platform id (``U024BE7LH``, ``staff01``),
``platform:id`` (``slack:U024BE7LH``) or an e-mail address (an identity that is that address, else the user
whose login is its local part: ``alice@acme.com`` is alice). Admins may assign to anyone in the tenant, managers to the members
of their teams, reps only to themselves. Anything that cannot be honoured goes to the importing user, with
a note saying why, so the row is still imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.access import managed_team_ids
from bot.importing.reasons import Reason
from storage.models import User, UserIdentity


@dataclass(frozen=True, slots=True)
class Owner:
    """The owner and team a created customer gets, and a note when it is not what the file said."""

    user_id: int
    team_id: int | None
    note: Reason | None = None
    timezone: str | None = None
    morning_hour: int | None = None


class OwnerDirectory:
    """Resolves owner cells against the tenant's users; one query up front, then a cache per cell text."""

    def __init__(self, session: Session, importer: User) -> None:
        self._importer = importer
        self._managed = set(managed_team_ids(session, importer)) if importer.role == "manager" else set()
        self._by_key: dict[str, list[User]] = {}
        users = session.exec(select(User).where(User.tenant == importer.tenant)).all()
        by_id = {user.id: user for user in users}
        for user in users:
            for key in {user.name, user.display_name}:
                self._register(key, user)
        identities = session.exec(
            select(UserIdentity).where(UserIdentity.user_id.in_(list(by_id)))  # type: ignore[union-attr]
        ).all() if by_id else []
        for identity in identities:
            user = by_id[identity.user_id]
            self._register(identity.external_id, user)
            self._register(f"{identity.platform}:{identity.external_id}", user)
        self._cache: dict[str | None, Owner] = {}
        self._default = Owner(importer.id, importer.team_id, timezone=importer.timezone,  # type: ignore[arg-type]
                              morning_hour=importer.morning_hour)

    def _register(self, key: str | None, user: User) -> None:
        if not key:
            return
        bucket = self._by_key.setdefault(key.strip().lstrip("@").casefold(), [])
        if all(existing.id != user.id for existing in bucket):
            bucket.append(user)

    def resolve(self, reference: str | None) -> Owner:
        """The owner for an owner cell (``None`` or blank: the importer)."""
        if reference not in self._cache:
            self._cache[reference] = self._resolve(reference)
        return self._cache[reference]

    def _resolve(self, reference: str | None) -> Owner:
        text = (reference or "").strip()
        if not text:
            return self._default
        matches = self._by_key.get(text.lstrip("@").casefold(), [])
        if not matches and "@" in text.strip("@"):
            # An e-mail address: the identity that is that address, else the user whose login is its local part.
            matches = self._by_key.get(text.split("@", 1)[0].casefold(), [])
        me = self._importer.display_name or self._importer.name
        if not matches:
            return self._fallback("owner_unknown", text, me)
        if len(matches) > 1:
            return self._fallback("owner_ambiguous", text, me)
        user = matches[0]
        if user.deactivated_at is not None:
            return self._fallback("owner_inactive", text, me)
        if not self._may_assign(user):
            return self._fallback("owner_not_allowed", text, me)
        return Owner(user.id, user.team_id, timezone=user.timezone, morning_hour=user.morning_hour)  # type: ignore[arg-type]

    def _may_assign(self, user: User) -> bool:
        if user.id == self._importer.id or self._importer.role == "admin":
            return True
        return self._importer.role == "manager" and user.team_id is not None and user.team_id in self._managed

    def _fallback(self, code: str, value: str, me: str) -> Owner:
        return Owner(self._default.user_id, self._default.team_id, Reason(code, {"value": value, "user": me}),
                     self._default.timezone, self._default.morning_hour)
