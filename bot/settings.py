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
    def host_is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)
