"""The manifest a user creates the app from names exactly what the code listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

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
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_mention", "file_shared"]
    assert "files:read" in manifest["oauth_config"]["scopes"]["bot"]  # file_shared needs it
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write"} <= set(scopes)
    assert not any(s.endswith(":history") or s.startswith("users:") for s in scopes)  # least scopes
    socket = manifest["settings"]["socket_mode_enabled"]
    assert socket is (name == "slack-app.socket.yaml")
    if not socket:
        assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
