"""What the fake Slack records (calls, messages) and how it reads a Web API request's arguments."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["SlackCall", "SlackMessage", "as_list", "block_texts", "read_args"]


@dataclass
class SlackCall:
    """One Web API call as the fake saw it."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    team: str | None = None  # the workspace the token belongs to
    status: int = 200
    error: str | None = None
    wall: float = field(default_factory=time.time)  # comparable across processes (perf/)


@dataclass
class SlackMessage:
    """A message the app posted, as it stands now, with every version it had."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def updates(self) -> int:
        """How many times chat.update changed it."""
        return len(self.history) - 1

    @property
    def all_text(self) -> str:
        """Every text in the current blocks, joined: what a reader sees."""
        return "\n".join(block_texts(self.blocks))


def block_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for key, value in node.items() if key != "text" or not isinstance(value, str)
                        for t in block_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in block_texts(item)]
    return []


def as_list(blocks: Any) -> list[dict[str, Any]]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return list(blocks or [])


async def read_args(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    if request.method == "GET":
        return dict(request.query)
    form = await request.post()
    args: dict[str, Any] = dict(request.query)
    for key, value in form.items():
        args[key] = value if isinstance(value, str | bytes | bytearray) else value.file.read()  # an upload
    for key in ("blocks", "view", "files", "attachments"):
        if isinstance(args.get(key), str) and args[key][:1] in "[{":
            args[key] = json.loads(args[key])
    return args
