"""`/draft <word> ...` subcommands other than drafting (digest, stats), registered by their modules.

The /draft command handler looks the first word up here; a module adds its own with `subcommand`.
Keeping the registry separate lets the digest module plug in without the command module importing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SUBCOMMANDS", "SubcommandContext", "subcommand"]


@dataclass(frozen=True)
class SubcommandContext:
    """What a subcommand gets: the words after its name and the slash command's payload."""

    args: list[str]
    team_id: str
    channel_id: str
    user_id: str
    body: dict[str, Any]
    client: AsyncWebClient
    respond: AsyncRespond  # ephemeral by default
    # Bolt's listener context: middlewares put shared state there (runtime_of, the digests).
    context: Mapping[str, Any] = field(default_factory=dict)


Subcommand = Callable[[SubcommandContext], Awaitable[None]]
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    """Register `/draft <name> ...`."""

    def register(handler: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = handler
        return handler

    return register
