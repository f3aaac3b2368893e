"""What works and what to fix in the configuration: the LLM, the store, Slack; shared by
`replycrew doctor`, the server's start-up log and /healthz."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bot.settings import Settings
from engine.cache.store import Store, open_store
from engine.steps.crew.doctor import Check, check_llm

__all__ = ["Check", "check_slack", "check_store", "log_checks", "run_checks"]

log = logging.getLogger(__name__)


async def check_store(settings: Settings, store: Store | None = None) -> Check:
    """A ping of the store the engine uses (Redis or the embedded SQLite file)."""
    dsn = settings.redis_dsn
    where = (f"Redis at {urlsplit(dsn).hostname}:{urlsplit(dsn).port or 6379}" if dsn
             else f"SQLite at {settings.data_dir / 'replycrew.sqlite3'}")
    own = store is None
    store = store or open_store(settings)
    try:
        ok = await store.ping()
    except Exception as exc:
        return Check("store", False, f"{where}: {exc}", "check REDIS_URL / REDIS_HOST, or unset them for SQLite")
    finally:
        if own:
            await store.close()
    if not ok:
        return Check("store", False, f"{where} did not answer", "check REDIS_URL / REDIS_HOST and that it runs")
    return Check("store", True, where)


async def check_slack(settings: Settings) -> Check:
    """Slack's `auth.test` with SLACK_BOT_TOKEN (skipped when Slack is not configured)."""
    if not settings.slack_bot_token:
        if settings.slack_enabled:  # OAuth installs: each workspace's token is checked as it is used
            return Check("slack", True, "multi-workspace (OAuth): no single bot token to check")
        return Check("slack", True, "not configured (no SLACK_BOT_TOKEN): REST API and CLI only")
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        return Check("slack", False, f"auth.test refused the token ({exc.response.get('error')})",
                     "check SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-...)")
    except Exception as exc:
        return Check("slack", False, f"auth.test failed: {exc}", "check SLACK_API_URL and the network")
    return Check("slack", True, f"bot {answer.get('user')} in workspace {answer.get('team')}")


async def run_checks(settings: Settings, *, store: Store | None = None) -> list[Check]:
    """Every check, in the order a user fixes things."""
    from engine.steps.crew.doctor import check_crewai

    checks = [await check_llm(settings)]
    if settings.llm_kind != "offline":
        checks.append(check_crewai())
    checks.append(await check_store(settings, store))
    checks.append(await check_slack(settings))
    return checks


def log_checks(checks: list[Check]) -> None:
    """The checks in the log: info when fine, warning with the fix when not."""
    for check in checks:
        if check.ok:
            log.info("check %s: ok — %s", check.name, check.detail)
        else:
            log.warning("check %s: FAILED — %s; fix: %s", check.name, check.detail, check.fix)
