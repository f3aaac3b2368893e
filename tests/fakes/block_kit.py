"""Block Kit checks as Slack makes them: slack_sdk's own models plus Slack's block-count limits."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["MAX_MESSAGE_BLOCKS", "MAX_VIEW_BLOCKS", "validate_blocks", "validate_view"]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def _validate_tree(obj: Any) -> None:
    if isinstance(obj, JsonObject):
        obj.validate_json()
        for name in obj.attributes:
            _validate_tree(getattr(obj, name, None))
    elif isinstance(obj, list | tuple):
        for item in obj:
            _validate_tree(item)


def validate_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> str | None:
    """None when Slack would accept these blocks, else why not."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for index, raw in enumerate(blocks):
        parsed = Block.parse(raw) if isinstance(raw, dict) else None
        if parsed is None:
            return f"unknown block type at /blocks/{index}"
        try:
            _validate_tree(parsed)
        except SlackObjectFormationError as exc:
            return f"{exc} [json-pointer:/blocks/{index}]"
    return None


def validate_view(view: Any) -> str | None:
    """None when Slack would accept this view, else why not."""
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict):
        return "view must be an object"
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError) as exc:
        return str(exc)
    return validate_blocks(view.get("blocks") or [], limit=MAX_VIEW_BLOCKS)
