"""The manifest a user creates the app from names exactly what the code listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.agent_messages import SUGGESTED_PROMPTS
from bot.handlers.commands import COMMAND
from bot.handlers.shortcuts import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from bot.install.flow import BOT_SCOPES, REDIRECT_PATH
from tests.slack_helpers import slack_harness

MANIFESTS = Path(__file__).resolve().parents[1] / "manifests"


@pytest.mark.parametrize("name", ["slack-app.yaml", "slack-app.socket.yaml"])
def test_manifest_matches_the_handlers(name: str) -> None:
    manifest: dict[str, Any] = yaml.safe_load((MANIFESTS / name).read_text())
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    shortcuts = {(s["type"], s["callback_id"]) for s in features["shortcuts"]}
    assert shortcuts == {("message", MESSAGE_SHORTCUT), ("global", GLOBAL_SHORTCUT)}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "app_mention", "file_shared", "message.im", "app_uninstalled", "tokens_revoked",
        "assistant_thread_started", "assistant_thread_context_changed"]
    assert manifest["settings"]["org_deploy_enabled"] is True  # Enterprise Grid org-wide installs
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES  # what /slack/install asks for
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    # Least scopes: each one is what an event or method above needs (file_shared: files:read;
    # message.im: im:history; assistant_thread_*: assistant:write), and no other history is read.
    assert scopes == ["commands", "chat:write", "chat:write.public", "app_mentions:read", "files:read",
                      "files:write", "im:history", "assistant:write"]
    socket = manifest["settings"]["socket_mode_enabled"]
    assert socket is (name == "slack-app.socket.yaml")
    if not socket:
        assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
        assert [u.rsplit("/", 2)[-2:] for u in manifest["oauth_config"]["redirect_urls"]] == [
            ["slack", REDIRECT_PATH.rsplit("/", 1)[-1]]]


@pytest.mark.parametrize("name", ["slack-app.yaml", "slack-app.socket.yaml"])
def test_a_csv_in_the_apps_dm_can_reach_the_app(name: str) -> None:
    """The README offers DM uploads: the Messages tab takes input, message.im is delivered, and
    its scope is granted (https://docs.slack.dev/reference/events/message.im: scope im:history)."""
    manifest: dict[str, Any] = yaml.safe_load((MANIFESTS / name).read_text())
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "im:history" in manifest["oauth_config"]["scopes"]["bot"]


async def test_slack_delivers_only_subscribed_events(data_dir: Path) -> None:
    """The harness refuses an event the manifest does not subscribe to, as Slack never sends it."""
    async with slack_harness(data_dir) as slack:
        with pytest.raises(AssertionError, match=r"message\.channels is not subscribed"):
            await slack.event({"type": "message", "channel": "C0SALES", "channel_type": "channel",
                               "user": "U0REP", "text": "hi", "ts": "1.1"})
        response = await slack.event({"type": "message", "channel": "D0DM", "channel_type": "im",
                                      "user": "U0REP", "text": "hi", "ts": "1.2"})
        assert response.status == 200  # a plain DM message is acknowledged and left alone
        await slack.settle()
        assert slack.fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("name", ["slack-app.yaml", "slack-app.socket.yaml"])
def test_manifest_offers_the_agent_thread(name: str) -> None:
    manifest: dict[str, Any] = yaml.safe_load((MANIFESTS / name).read_text())
    features = manifest["features"]
    home = features["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    prompts = [(p["title"], p["message"]) for p in features["assistant_view"]["suggested_prompts"]]
    # What the manifest offers is what the handler recognises (bot/handlers/assistant.py strips it).
    assert prompts == [(title, message.strip()) for title, message in SUGGESTED_PROMPTS]
