"""Bolt's AsyncInstallationStore on the engine's Store, so installs live in SQLite or Redis.

Slack ships installation stores for SQLite files, SQLAlchemy and S3, none for Redis; this one works
on whichever Store the engine runs on, and seals every record with the TokenCipher. Layout:

    rc:slack-install:{enterprise|-}:{team|-}:bot            the latest Bot (token, scopes, ids)
    rc:slack-install:{enterprise|-}:{team|-}:installation   the latest Installation

An org-wide install on Enterprise Grid is keyed by the enterprise with team `-`, as Bolt asks for it
(`is_enterprise_install=True`); see slack_sdk's own stores, which key it the same way.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.install.cipher import TokenCipher
from bot.stream_fallback import StreamPolicy
from bot.tenancy import Tenant
from engine import keys
from engine.cache.store import Store

__all__ = ["INSTALL_PREFIX", "StoreInstallationStore", "install_key"]

log = logging.getLogger(__name__)
INSTALL_PREFIX = keys.SLACK_INSTALL


def install_key(enterprise_id: str | None, team_id: str | None, kind: str) -> str:
    """The store key of one workspace's (or org's) bot or installation record."""
    return f"{INSTALL_PREFIX}{enterprise_id or '-'}:{team_id or '-'}:{kind}"


class StoreInstallationStore(AsyncInstallationStore):
    """Installations and bots, sealed, in a Store."""

    def __init__(self, store: Store, cipher: TokenCipher) -> None:
        self.store = store
        self.cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _put(self, key: str, record: dict[str, Any]) -> None:
        await self.store.set(key, self.cipher.seal(json.dumps(record)))

    async def _take(self, key: str) -> dict[str, Any] | None:
        raw = await self.store.get(key)
        if raw is None:
            return None
        loaded: dict[str, Any] = json.loads(self.cipher.open(raw))
        return loaded

    @staticmethod
    def _team(team_id: str | None, is_enterprise_install: bool | None) -> str | None:
        return None if is_enterprise_install else team_id

    async def async_save(self, installation: Installation) -> None:
        team = self._team(installation.team_id, installation.is_enterprise_install)
        await self._put(install_key(installation.enterprise_id, team, "installation"), installation.__dict__)
        await self.async_save_bot(installation.to_bot())
        # A (re)install may grant what streaming lacked (assistant:write): try streams again at once.
        await StreamPolicy(self.store).forget(Tenant(team_id=team, enterprise_id=installation.enterprise_id).key)

    async def async_save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        team = self._team(bot.team_id, bot.is_enterprise_install)
        await self._put(install_key(bot.enterprise_id, team, "bot"), bot.__dict__)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        data = await self._take(install_key(enterprise_id, self._team(team_id, is_enterprise_install), "bot"))
        if data is None and enterprise_id and team_id and not is_enterprise_install:
            # A workspace of an org that installed the app org-wide uses the org's bot.
            data = await self._take(install_key(enterprise_id, None, "bot"))
        return Bot(**data) if data else None

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        team = self._team(team_id, is_enterprise_install)
        data = await self._take(install_key(enterprise_id, team, "installation"))
        if data is None and enterprise_id and team_id and not is_enterprise_install:
            data = await self._take(install_key(enterprise_id, None, "installation"))
        if data is None:
            return None
        if user_id is not None and data.get("user_id") != user_id:
            return None  # we keep bot installs only; user tokens are never requested
        return Installation(**data)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.store.delete(install_key(enterprise_id, team_id, "bot"))

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await self.store.delete(install_key(enterprise_id, team_id, "installation"))

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def teams(self) -> list[tuple[str | None, str | None]]:
        """Every (enterprise, team) with a stored bot."""
        found = []
        async for key, _ in self.store.scan(INSTALL_PREFIX):
            enterprise, team, kind = key[len(INSTALL_PREFIX):].split(":")
            if kind == "bot":
                found.append((None if enterprise == "-" else enterprise, None if team == "-" else team))
        return found
