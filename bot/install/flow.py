"""Bolt's OAuth v2 flow for distributing the app: `GET /slack/install` and `GET /slack/oauth_redirect`.

Everything is Bolt's (AsyncOAuthFlow: the install page, the state cookie and check, the
oauth.v2.access exchange, auth.test for the bot id); we give it our stores and where Slack is.
The authorize URL follows SLACK_API_URL's host (https://slack.com/oauth/v2/authorize for
https://slack.com/api/, the GovSlack host for GovSlack, the fake Slack in tests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.installations import StoreInstallationStore
from bot.install.states import StoreOAuthStateStore
from bot.settings import Settings

__all__ = ["BOT_SCOPES", "INSTALL_PATH", "REDIRECT_PATH", "authorize_url", "build_oauth_flow", "mount_oauth"]

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The manifest's bot scopes, in its order (tests/test_slack_manifest.py keeps the two equal).
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "app_mentions:read", "files:read",
              "files:write", "im:history", "assistant:write")


def authorize_url(api_url: str) -> str:
    """Slack's consent page on the same host as the Web API."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def build_oauth_flow(settings: Settings, *, client: AsyncWebClient,
                     installations: StoreInstallationStore, states: StoreOAuthStateStore) -> AsyncOAuthFlow:
    """The flow Bolt runs for installs, on our stores."""
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES), redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=installations, installation_store_bot_only=True,
        state_store=states, state_expiration_seconds=states.expiration_seconds,
    )
    return AsyncOAuthFlow(client=client, settings=oauth)


def mount_oauth(web_app: web.Application, flow: AsyncOAuthFlow) -> None:
    """Serve the install page and Slack's redirect on the server's aiohttp application."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    web_app.router.add_get(INSTALL_PATH, install)
    web_app.router.add_get(REDIRECT_PATH, redirect)
