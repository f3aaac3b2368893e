"""The Web API client of one workspace, for work no Slack request carries a token for.

Handlers get a client with the requesting team's token from Bolt. Digests, CSV batches and resumed
batches run later, on their own: they ask `TeamClients.for_team` for the installing team's client.
With one static SLACK_BOT_TOKEN that is the app's client; with OAuth installs it is a copy of it
(same base URL, connection pool and retry handlers) holding the team's bot token from the store.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.install.installations import StoreInstallationStore

__all__ = ["NotInstalled", "TeamClients"]


class NotInstalled(LookupError):
    """The workspace has no installation (it was uninstalled, or never installed the app)."""


class TeamClients:
    """Clients per workspace: the single-token client, or one per installation."""

    def __init__(self, base: AsyncWebClient, installations: StoreInstallationStore | None = None) -> None:
        self.base = base
        self.installations = installations

    @property
    def multi_workspace(self) -> bool:
        return self.installations is not None

    async def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> AsyncWebClient:
        """The client holding `team_id`'s bot token; raises NotInstalled when there is none.

        `team_id` may be a tenant key (`E…:T…`, bot/tenancy.py), which names the enterprise too."""
        if self.installations is None:
            return self.base
        if team_id and ":" in team_id:
            enterprise_id, _, team = team_id.partition(":")
            team_id = None if team == "-" else team
        bot = await self.installations.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"no installation for team {team_id} (enterprise {enterprise_id})")
        base = self.base
        return AsyncWebClient(token=bot.bot_token, base_url=base.base_url, timeout=base.timeout,
                              session=base.session, headers=base.headers, logger=base.logger,
                              retry_handlers=list(base.retry_handlers))
