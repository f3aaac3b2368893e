"""Drive the real Slack endpoint over HTTP: signed slash commands, shortcuts, clicks, form submits, events.

    async with slack_harness(data_dir) as slack:          # fake Slack Web API + the app on loopback
        response = await slack.command("Ana Ruiz: What does it cost?")
        await slack.settle()                              # drafts running in the background finish
        message = slack.fake.messages_in(slack.channel_id)[0]

`sign()` makes Slack's v0 signature headers for any body, so bad signatures and stale timestamps
can be sent too. Reused by the CSV-upload and digest tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SLACK_RUNTIME
from bot.runtime import SlackRuntime
from bot.server import build_web_app
from bot.settings import Settings
from engine.build import build_engine
from engine.cache.store import SQLiteStore
from engine.protocols import AnalysisBackend, Backends, ProfileBackend, ReplyBackend
from engine.settings import EngineSettings
from engine.steps.offline import OfflineAnalysis, OfflineProfile, OfflineReply
from engine.workflow import Engine
from tests.fakes.slack_server import FakeSlack, SlackMessage

__all__ = ["SIGNING_SECRET", "SlackHarness", "offline_engine", "sign", "slack_harness", "slack_settings"]

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0TEST"
USER_ID = "U0REP"
CHANNEL_ID = "C0SALES"
MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "slack-app.yaml"
# A `message` event's subscription name by its channel_type
# (https://docs.slack.dev/reference/events/message.im and its siblings).
_MESSAGE_EVENTS = {"channel": "message.channels", "group": "message.groups", "im": "message.im",
                   "mpim": "message.mpim"}


def subscribed_events() -> set[str]:
    """The bot events the app's manifest subscribes to: Slack delivers nothing else."""
    import yaml

    manifest = yaml.safe_load(MANIFEST.read_text())
    return set(manifest["settings"]["event_subscriptions"]["bot_events"])


def event_subscription(event: dict[str, Any]) -> str:
    """The subscription that makes Slack deliver `event`."""
    if event.get("type") == "message":
        return _MESSAGE_EVENTS[str(event.get("channel_type") or "channel")]
    return str(event.get("type"))


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature headers (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slack_settings(fake: FakeSlack, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for the app under test: the fake's URL and token, no .env, the given DATA_DIR.

    Drafts show progress as the edited message unless `slack_streaming=True` is passed: most tests
    are about that path (what a workspace without streaming gets); tests/test_agent_*.py stream.
    """
    values: dict[str, Any] = {"slack_bot_token": fake.token, "slack_signing_secret": SIGNING_SECRET,
                              "slack_api_url": fake.url, "data_dir": data_dir, "slack_streaming": False,
                              **overrides}
    return Settings(_env_file=None, **values)


def multi_workspace_settings(fake: FakeSlack, key: str) -> dict[str, Any]:
    """Overrides for many-workspace mode: no static token, the fake's OAuth client, a Fernet key."""
    return {"slack_bot_token": None, "slack_client_id": fake.workspaces.client_id,
            "slack_client_secret": fake.workspaces.client_secret, "slack_token_key": key}


def offline_engine(data_dir: Path, *, profile: ProfileBackend | None = None,
                   analysis: AnalysisBackend | None = None, reply: ReplyBackend | None = None) -> Engine:
    """An offline engine on DATA_DIR's SQLite store, with some step backends replaced (slow, failing)."""
    backends = Backends(profile=profile or OfflineProfile(), analysis=analysis or OfflineAnalysis(),
                        reply=reply or OfflineReply())
    return Engine(EngineSettings(_env_file=None, data_dir=data_dir),
                  backends=backends, store=SQLiteStore(data_dir / "replycrew.sqlite3"))


@dataclass
class SlackHarness:
    """The app served on loopback, the fake Slack it calls, and senders for each kind of request."""

    fake: FakeSlack
    client: TestClient[Any, Any]
    settings: Settings
    engine: Engine
    team_id: str = TEAM_ID
    user_id: str = USER_ID
    channel_id: str = CHANNEL_ID
    sent: list[str] = field(default_factory=list)
    # Enterprise Grid: requests come from this org; with org_install, interactivity payloads carry
    # `team: null` and `is_enterprise_install: true` (https://docs.slack.dev/enterprise-grid/).
    enterprise_id: str | None = None
    org_install: bool = False

    @property
    def runtime(self) -> SlackRuntime:
        app = self.client.app
        assert app is not None
        runtime: SlackRuntime = app[SLACK_RUNTIME]
        return runtime

    async def post(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
                   headers: dict[str, str] | None = None, signed: bool = True,
                   secret: str = SIGNING_SECRET, timestamp: int | None = None) -> ClientResponse:
        """POST a raw body to /slack/events, signed unless told otherwise."""
        all_headers = {"Content-Type": content_type, **(sign(body, secret=secret, timestamp=timestamp)
                                                         if signed else {}), **(headers or {})}
        self.sent.append(body)
        return await self.client.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(self, text: str, *, command: str = "/draft", team_id: str | None = None,
                      user_id: str | None = None, channel_id: str | None = None,
                      trigger_id: str | None = None, headers: dict[str, str] | None = None,
                      channel_name: str = "sales") -> ClientResponse:
        """A slash command, form-encoded as Slack sends it."""
        fields = {
            "token": "legacy-verification-token", "team_id": team_id or self.team_id,
            "team_domain": "test", "channel_id": channel_id or self.channel_id, "channel_name": channel_name,
            "user_id": user_id or self.user_id, "user_name": "rep", "command": command, "text": text,
            "api_app_id": "A0TEST", "is_enterprise_install": str(self.org_install).lower(),
            **({"enterprise_id": self.enterprise_id, "enterprise_name": "Org"} if self.enterprise_id else {}),
            "response_url": self.fake.response_url(),
            "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:8]}",
        }
        return await self.post(urlencode(fields), headers=headers)

    async def interaction(self, payload: dict[str, Any], *,
                          headers: dict[str, str] | None = None) -> ClientResponse:
        """Any interactivity payload (`payload=<json>`, form-encoded)."""
        return await self.post(urlencode({"payload": json.dumps(payload)}), headers=headers)

    def _who(self, team_id: str | None, user_id: str | None) -> dict[str, Any]:
        team = team_id or self.team_id
        enterprise = {"id": self.enterprise_id, "name": "Org"} if self.enterprise_id else None
        return {"team": None if self.org_install else {"id": team, "domain": "test"},
                "user": {"id": user_id or self.user_id, "username": "rep", "team_id": team},
                "api_app_id": "A0TEST", "token": "legacy-verification-token",
                "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:8]}",
                "is_enterprise_install": self.org_install, "enterprise": enterprise}

    async def click(self, action_id: str, value: str, *, message: SlackMessage | None = None,
                    team_id: str | None = None, user_id: str | None = None,
                    trigger_id: str | None = None) -> ClientResponse:
        """A button click (block_actions) on a message the app posted."""
        channel = message.channel if message else self.channel_id
        ts = message.ts if message else "1.000001"
        payload = {
            **self._who(team_id, user_id), "type": "block_actions",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "sales"},
            "message": {"type": "message", "ts": ts, "text": message.text if message else "",
                        "blocks": message.blocks if message else []},
            "response_url": self.fake.response_url(),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "draft_actions",
                         "value": value, "text": {"type": "plain_text", "text": action_id},
                         "action_ts": f"{time.time():.6f}"}],
        }
        if trigger_id:
            payload["trigger_id"] = trigger_id
        return await self.interaction(payload)

    async def submit_view(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *,
                          team_id: str | None = None, user_id: str | None = None,
                          trigger_id: str | None = None) -> ClientResponse:
        """Submit a modal the app opened; `values` is `{block_id: element state}`."""
        state = {"values": {block: {"value": element} for block, element in values.items()}}
        payload = {**self._who(team_id, user_id), "type": "view_submission",
                   "view": {**view, "state": state, "id": view.get("id", "V0TEST"),
                            "team_id": None if self.org_install else team_id or self.team_id,
                            "app_installed_team_id": (team_id or self.team_id) if self.org_install else None},
                   "response_urls": []}
        if trigger_id:
            payload["trigger_id"] = trigger_id
        return await self.interaction(payload)

    async def message_shortcut(self, text: str, *, ts: str = "1700000000.000100",
                               thread_ts: str | None = None, callback_id: str = "draft_reply",
                               trigger_id: str | None = None, headers: dict[str, str] | None = None,
                               channel_id: str | None = None, channel_name: str = "sales") -> ClientResponse:
        """The message shortcut on a message holding `text`."""
        message: dict[str, Any] = {"type": "message", "user": self.user_id, "ts": ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload = {**self._who(None, None), "type": "message_action", "callback_id": callback_id,
                   "action_ts": f"{time.time():.6f}", "message_ts": ts, "message": message,
                   "channel": {"id": channel_id or self.channel_id, "name": channel_name},
                   "response_url": self.fake.response_url()}
        if trigger_id:
            payload["trigger_id"] = trigger_id
        return await self.interaction(payload, headers=headers)

    async def global_shortcut(self, callback_id: str = "draft_modal") -> ClientResponse:
        """The global shortcut from the shortcuts menu."""
        payload = {**self._who(None, None), "type": "shortcut", "callback_id": callback_id,
                   "action_ts": f"{time.time():.6f}"}
        return await self.interaction(payload)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None, team_id: str | None = None,
                    enterprise_id: str | None = None, is_enterprise_install: bool = False) -> ClientResponse:
        """An Events API callback (JSON), optionally marked as Slack's n-th retry.

        Like Slack, only events the manifest subscribes to are delivered: sending any other is a
        test that relies on something Slack would never do."""
        needed = event_subscription(event)
        assert needed in subscribed_events(), f"Slack would not deliver this: {needed} is not subscribed"
        team = team_id or self.team_id
        body = {"token": "legacy-verification-token", "team_id": team, "api_app_id": "A0TEST",
                "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()), "event": event, "enterprise_id": enterprise_id,
                "is_ext_shared_channel": False,
                "authorizations": [{"enterprise_id": enterprise_id,
                                    "team_id": None if is_enterprise_install else team,
                                    "user_id": self.fake.bot_user_id, "is_bot": True,
                                    "is_enterprise_install": is_enterprise_install}]}
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry_num else None
        return await self.post(json.dumps(body), content_type="application/json", headers=headers)

    async def settle(self, *, grace_s: float = 20.0) -> None:
        """Wait until Bolt's listeners (run after the ack) and every background draft have finished."""
        while True:
            listeners = [task for task in asyncio.all_tasks()
                         if task is not asyncio.current_task() and _is_bolt_listener(task)]
            if listeners:
                await asyncio.wait(listeners, timeout=grace_s)
            await self.runtime.drain(grace_s=grace_s)
            if not listeners and not self.runtime.tasks:
                return

    def drafts_posted(self, channel_id: str | None = None) -> list[SlackMessage]:
        """The app's messages in a channel that ended as a draft (they carry the draft buttons)."""
        return [m for m in self.fake.messages_in(channel_id or self.channel_id)
                if any(b.get("type") == "header" for b in m.blocks)]


@asynccontextmanager
async def slack_harness(data_dir: Path, *, fake: FakeSlack | None = None, engine: Engine | None = None,
                        min_edit_interval_s: float | None = None,
                        **settings: Any) -> AsyncIterator[SlackHarness]:
    """The app on loopback talking to a fake Slack (started here unless given); closes both."""
    own_fake, own_engine = fake is None, engine is None
    fake = fake or await FakeSlack().start()
    config = slack_settings(fake, data_dir, **settings)
    engine = engine or build_engine(config)
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(config, engine=engine),
                                                         host="127.0.0.1"))
    await client.start_server()
    harness = SlackHarness(fake=fake, client=client, settings=config, engine=engine)
    if min_edit_interval_s is not None:
        harness.runtime.min_edit_interval_s = min_edit_interval_s
    try:
        yield harness
    finally:
        await client.close()
        if own_engine:
            await engine.store.close()
        if own_fake:
            await fake.close()


def _is_bolt_listener(task: asyncio.Task[Any]) -> bool:
    # Bolt acks first, then runs the listener as `run_ack_function_asynchronously` in its own task.
    return getattr(task.get_coro(), "__qualname__", "").endswith("run_ack_function_asynchronously")
