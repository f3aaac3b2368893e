"""The Slack app: a Bolt AsyncApp wired to the engine, mounted at POST /slack/events.

`build_app` registers every module in bot/handlers/ (each has a `register(app)`), a middleware
that puts the SlackRuntime into each listener's context, and the re-delivery guard. Web API calls go to
SLACK_API_URL and retry on 429 after the Retry-After Slack sends.

Two ways to authorize: one static SLACK_BOT_TOKEN (one workspace), or many workspaces installed
through Bolt's OAuth flow (SLACK_CLIENT_ID/SLACK_CLIENT_SECRET without SLACK_BOT_TOKEN; bot/install/),
where Bolt finds each request's token in our installation store and background work asks
`SlackRuntime.clients` for the installing team's client.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.drafts import DraftStore
from bot.handlers import actions, assistant, commands, digests, events, files, install, shortcuts, views
from bot.install.cipher import TokenCipher, TokenKeyError
from bot.install.clients import TeamClients
from bot.install.flow import build_oauth_flow, mount_oauth
from bot.install.installations import StoreInstallationStore
from bot.install.states import StoreOAuthStateStore
from bot.metrics import with_slack_meter
from bot.ratelimit import SlackBudget
from bot.redelivery import redelivery_guard
from bot.runtime import RUNTIMES, SlackRuntime
from bot.settings import Settings
from engine.workflow import Engine

__all__ = ["HANDLER_MODULES", "SLACK_APP", "SLACK_RUNTIME", "build_app", "mount_slack", "runtime_for"]

log = logging.getLogger(__name__)
# Registered in this order. The assistant goes last: its middleware answers agent-thread events
# without calling the rest of the chain, so every AppScoped value must be in the context before it.
HANDLER_MODULES = (commands, shortcuts, actions, views, events, files, digests, install, assistant)
SLACK_APP = web.AppKey("slack_app", AsyncApp)
SLACK_RUNTIME = web.AppKey("slack_runtime", SlackRuntime)
_RATE_LIMIT_RETRIES = 3


def build_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, the bot token, retries on 429 and dropped connections."""
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=base_url, timeout=30,
        # The meter comes first: it counts every response (calls, errors, 429s) for /metrics.
        retry_handlers=with_slack_meter([AsyncConnectionErrorRetryHandler(max_retry_count=1),
                                         AsyncRateLimitErrorRetryHandler(max_retry_count=_RATE_LIMIT_RETRIES)]),
    )


def build_app(settings: Settings, engine: Engine, *, socket_mode: bool = False) -> AsyncApp:
    """The Bolt app; HTTP mode verifies every request with SLACK_SIGNING_SECRET."""
    multi = settings.multi_workspace and not socket_mode
    if not settings.slack_bot_token and not multi:
        raise SystemExit("SLACK_BOT_TOKEN is not set: copy the bot token from your Slack app's "
                         "OAuth & Permissions page (see the README's Slack app section), or set "
                         "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_TOKEN_KEY to install the app "
                         "in many workspaces through /slack/install.")
    if not socket_mode and not settings.slack_signing_secret:
        raise SystemExit("Slack is configured but SLACK_SIGNING_SECRET is not: copy the signing "
                         "secret from your Slack app's Basic Information page, or run "
                         "`replycrew serve --socket` with SLACK_APP_TOKEN.")
    client = build_client(settings)
    installations: StoreInstallationStore | None = None
    oauth = None
    if multi:
        try:
            installations = StoreInstallationStore(engine.store, TokenCipher(settings.slack_token_key))
        except TokenKeyError as exc:
            raise SystemExit(str(exc)) from exc
        # The OAuth exchange gets its own client: no bot token, no retries on a one-time code.
        oauth = build_oauth_flow(settings, client=AsyncWebClient(base_url=client.base_url, timeout=30),
                                 installations=installations, states=StoreOAuthStateStore(engine.store))
    app = AsyncApp(
        name="replycrew",
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        oauth_flow=oauth,
        user_facing_authorize_error_message=msg.NOT_INSTALLED,
        # Raising for an unhandled request would turn every unknown button into a 404 for Slack.
        raise_error_for_unhandled_request=False,
    )
    RUNTIMES.attach(app, SlackRuntime(settings=settings, engine=engine, drafts=DraftStore(engine.store),
                                      clients=TeamClients(app.client, installations),
                                      budget=SlackBudget.scaled(engine.store, scale=settings.slack_rate_scale)))
    app.middleware(redelivery_guard(engine.store))
    for module in HANDLER_MODULES:
        module.register(app)
    return app


def runtime_for(app: AsyncApp) -> SlackRuntime:
    """The SlackRuntime `build_app` made for an app."""
    return RUNTIMES.of_app(app)


def mount_slack(web_app: web.Application, settings: Settings, engine: Engine) -> AsyncApp:
    """Serve the Slack app at POST /slack/events on the server's aiohttp application."""
    app = build_app(settings, engine)
    runtime = runtime_for(app)
    web_app[SLACK_APP] = app
    web_app[SLACK_RUNTIME] = runtime
    digests.mount(web_app, app)  # scheduled digests start and stop with the server
    if app.oauth_flow is not None:
        mount_oauth(web_app, app.oauth_flow)  # GET /slack/install, GET /slack/oauth_redirect

    async def slack_events(request: web.Request) -> web.Response:
        runtime.request_started()
        try:
            bolt_response = await app.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)
        finally:
            runtime.request_finished()

    async def open_session(_: web.Application) -> None:
        # One connection pool for every Web API call instead of a new session per call.
        app.client.session = aiohttp.ClientSession()

    async def close(_: web.Application) -> None:
        await runtime.drain(grace_s=30)
        session = app.client.session
        if session is not None:
            await session.close()

    web_app.on_startup.append(open_session)
    files.mount(web_app, app)  # after open_session: resuming CSV batches calls Slack
    web_app.on_cleanup.append(close)
    web_app.router.add_post("/slack/events", slack_events)
    return app
