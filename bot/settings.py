"""Slack and HTTP settings; composes the engine's settings."""

from __future__ import annotations

import ipaddress

from pydantic_settings import SettingsConfigDict

from engine.settings import EngineSettings

__all__ = ["Settings"]


class Settings(EngineSettings):
    """Everything `replycrew serve` reads from the environment (see DESIGN.md)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Draw draft progress as a streamed task timeline (chat.startStream); false = edited messages only.
    slack_streaming: bool = True
    # Many workspaces (OAuth v2 install): set these and leave SLACK_BOT_TOKEN unset.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_token_key: str | None = None  # Fernet key sealing installation tokens at rest
    slack_redirect_uri: str | None = None  # https://YOUR-HOST/slack/oauth_redirect

    # Shortens Slack's rate-limit windows in our own budgets (tests and benchmarks against a fake
    # Slack whose windows are shortened the same way); 1.0 is Slack's real budget.
    slack_rate_scale: float = 1.0
    # Slack user ids (comma-separated) who may act on anyone's draft or batch, besides its owner.
    draft_approvers: str | None = None

    # STARTUP_CHECKS: at start-up, check the LLM (one tiny call), the store and Slack, log the
    # result and report it in /healthz (bot/health.py). tests/conftest.py turns it off by default.
    startup_checks: bool = True

    host: str = "127.0.0.1"
    port: int = 3000
    api_keys: str | None = None
    rate_limit_per_minute: int = 120

    @property
    def api_key_list(self) -> list[str]:
        return [key.strip() for key in (self.api_keys or "").split(",") if key.strip()]

    @property
    def draft_approver_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in (self.draft_approvers or "").split(",") if u.strip())

    @property
    def host_is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def multi_workspace(self) -> bool:
        """OAuth installs in many workspaces: client id and secret set, no static bot token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token) or self.multi_workspace
