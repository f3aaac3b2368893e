"""The manifest a user creates the app from names exactly what the code listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.agent_messages import SUGGESTED_PROMPTS
from bot.handlers.commands import COMMAND
from bot.handlers.shortcuts import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT

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
        "app_mention", "file_shared", "assistant_thread_started", "assistant_thread_context_changed", "message.im"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    # Least scopes: each one is what an event or method above needs (file_shared: files:read;
    # assistant_thread_*: assistant:write; message.im: im:history), and nothing reads other history.
    assert scopes == ["commands", "chat:write", "chat:write.public", "app_mentions:read", "files:read",
                      "files:write", "assistant:write", "im:history"]
    socket = manifest["settings"]["socket_mode_enabled"]
    assert socket is (name == "slack-app.socket.yaml")
    if not socket:
        assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")


@pytest.mark.parametrize("name", ["slack-app.yaml", "slack-app.socket.yaml"])
def test_manifest_offers_the_agent_thread(name: str) -> None:
    manifest: dict[str, Any] = yaml.safe_load((MANIFESTS / name).read_text())
    features = manifest["features"]
    home = features["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    prompts = [(p["title"], p["message"]) for p in features["assistant_view"]["suggested_prompts"]]
    # What the manifest offers is what the handler recognises (bot/handlers/assistant.py strips it).
    assert prompts == [(title, message.strip()) for title, message in SUGGESTED_PROMPTS]
