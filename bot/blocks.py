"""Block Kit builders: progress, draft, approved, errors, help and the two modals. Pure functions.

Every builder stays inside Block Kit's limits (50 blocks a message, 3,000 characters a section,
150 a header, 2,000 a button value, 3,000 a modal text input) and under Slack's undocumented
cumulative limit of about 12,000 characters of text in one message's blocks (`msg_blocks_too_long`):
long drafts are split across sections, and a draft that still does not fit is trimmed with a note
saying the full text is attached as a file in the thread (bot/drafting.py uploads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import messages as msg
from bot.drafts import DraftRecord, DraftVersion
from bot.mrkdwn import escape, markdown_to_mrkdwn, split_text
from engine.models import CHANNELS, StepEvent

__all__ = [
    "DRAFT_MODAL_CALLBACK",
    "EDIT_MODAL_CALLBACK",
    "MAX_BLOCKS",
    "MAX_INPUT_CHARS",
    "MAX_SECTION_CHARS",
    "STEP_ORDER",
    "draft_blocks",
    "draft_modal",
    "draft_overflows",
    "edit_modal",
    "error_blocks",
    "fallback_text",
    "help_blocks",
    "progress_blocks",
    "text_blocks",
]

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_INPUT_CHARS = 3000
MAX_FALLBACK_CHARS = 3000
# Slack refuses more than ~12,000 characters of text across a message's blocks ("with a buffer for
# block containers", Slack's answer in slackapi/bolt-js#2509); stay well under it.
MAX_MESSAGE_TEXT = 11_000
STEP_ORDER = ("profile", "analysis", "reply")
DRAFT_MODAL_CALLBACK = "draft_modal"
EDIT_MODAL_CALLBACK = "edit_draft_modal"
_PREVIEW_CHARS = 140
_MAX_PREVIEWS = 3

Block = dict[str, Any]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}}


def _context(*texts: str) -> Block:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": t[:MAX_SECTION_CHARS]} for t in texts[:10]]}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:MAX_HEADER_CHARS],
                                       "emoji": True}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def text_blocks(text: str, *, budget: int) -> list[Block]:
    """A long mrkdwn text as at most `budget` sections; a cut is said, not silent."""
    pieces = split_text(text, MAX_SECTION_CHARS)
    if len(pieces) > budget:
        pieces = [*pieces[: budget - 1], "_… the rest did not fit in one Slack message._"]
    return [_section(piece) for piece in pieces]


def error_blocks(text: str) -> list[Block]:
    """A plain-language error in place of a progress message."""
    return [_section(f":x: {text}")]


def help_blocks() -> list[Block]:
    """`/draft help`."""
    return [_section(msg.HELP)]


def progress_blocks(*, header: str, steps: Mapping[str, StepEvent | None],
                    earlier: list[int] | None = None) -> list[Block]:
    """The progress message: one line per step with a done mark, seconds and source."""
    lines = []
    for name in STEP_ORDER:
        event = steps.get(name)
        if event is None or event.status == "started":
            lines.append(msg.step_waiting(name))
        elif event.status == "ok":
            lines.append(msg.step_done(name, event.elapsed_ms / 1000,
                                       msg.source_label(event.source, event.similarity)))
        elif event.status == "failed":
            lines.append(msg.step_failed(name, event.elapsed_ms / 1000, event.error))
        else:
            lines.append(msg.step_skipped(name))
    blocks = [_section(header), _section("\n".join(lines))]
    if earlier:
        blocks.append(_context(msg.earlier_versions(earlier)))
    return blocks


def _sources(version: DraftVersion) -> list[str]:
    return [f"{step.name}: {msg.source_label(step.source, step.similarity)}"
            for step in version.steps if step.status == "ok" and step.source]


def draft_blocks(record: DraftRecord) -> list[Block]:
    """A draft with its buttons, or in its approved state (who, when; no buttons)."""
    version = record.current
    if version is None:
        return error_blocks(record.error or msg.DRAFT_FAILED)
    approved = record.status == "approved"
    head: list[Block] = [_header(msg.draft_header(version.channel, version=version.number))]
    if version.subject:
        head.append(_section(f"*Subject:* {escape(version.subject)}"))
    tail: list[Block] = []
    if not approved:
        tail.append({
            "type": "actions",
            "block_id": "draft_actions",
            "elements": [
                {"type": "button", "action_id": "approve_draft", "style": "primary",
                 "text": _plain(msg.APPROVE), "value": record.draft_id},
                {"type": "button", "action_id": "regenerate_draft",
                 "text": _plain(msg.REGENERATE), "value": record.draft_id},
                {"type": "button", "action_id": "edit_draft",
                 "text": _plain(msg.EDIT), "value": record.draft_id},
            ],
        })
    notes: list[str] = []
    if approved and record.approved_by and record.approved_at:
        notes.append(msg.approved_line(record.approved_by, int(record.approved_at)))
    if version.kind == "edited" and version.created_by:
        notes.append(msg.edited_line(version.created_by, int(version.created_at)))
    if version.kind != "edited":
        notes.append(msg.summary_line(version.total_ms / 1000, version.mode or "", _sources(version),
                                      offline=version.offline))
    if version.degraded:
        llm_failed = any(step.status == "failed" for step in version.steps)
        notes.append(msg.degraded_line(llm_failed))
    tail.append(_context(*notes))
    earlier = record.versions[:-1]
    if earlier:
        previews = [f"*v{v.number}:* {escape(_preview(v.text))}" for v in earlier[-_MAX_PREVIEWS:]]
        tail.append(_context(msg.earlier_versions([v.number for v in earlier]), *previews))
    body_text, trimmed = _fit_body(version, head + tail)
    blocks = MAX_BLOCKS - len(head) - len(tail) - (1 if trimmed else 0)
    body = text_blocks(body_text, budget=blocks)
    if trimmed:
        body.append(_context(msg.DRAFT_TRIMMED))
    return head + body + tail


def _text_chars(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            total += len(str(text.get("text") or ""))
        for element in block.get("elements") or []:
            inner = element.get("text")
            total += len(str(inner.get("text") or "")) if isinstance(inner, dict) else len(str(inner or ""))
    return total


def _fit_body(version: DraftVersion, around: list[Block]) -> tuple[str, bool]:
    """The draft's mrkdwn, cut to what fits beside `around`; True when it was cut."""
    body = markdown_to_mrkdwn(version.text)
    room = MAX_MESSAGE_TEXT - _text_chars(around) - len(msg.DRAFT_TRIMMED)
    if len(body) <= room:
        return body, False
    return split_text(body, max(room, 200))[0], True


def draft_overflows(record: DraftRecord) -> bool:
    """Whether the current version is trimmed in the message (its full text goes up as a file)."""
    version = record.current
    if version is None:
        return False
    probe = draft_blocks(record)
    return any(b.get("type") == "context" and any(e.get("text") == msg.DRAFT_TRIMMED
                                                  for e in b.get("elements") or []) for b in probe)


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _PREVIEW_CHARS else line[: _PREVIEW_CHARS - 1] + "…"


def fallback_text(record: DraftRecord) -> str:
    """The message's `text`: what notifications and screen readers show."""
    version = record.current
    if version is None:
        return msg.DRAFT_FAILED
    text = f"{msg.DRAFT_FALLBACK_TEXT}: {escape(version.text)}"  # `text` is mrkdwn too
    return text if len(text) <= MAX_FALLBACK_CHARS else text[: MAX_FALLBACK_CHARS - 1] + "…"


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label),
                    "element": {**element, "action_id": "value"}, "optional": optional}
    if hint:
        block["hint"] = _plain(hint)
    return block


def draft_modal(*, channel_id: str | None = None, thread: str = "",
                metadata: str = "") -> dict[str, Any]:
    """The `/draft` form: thread, channel type, profile URL, company URL, website, where to post."""
    thread_input: dict[str, Any] = {"type": "plain_text_input", "multiline": True,
                                    "max_length": MAX_INPUT_CHARS}
    if thread:
        thread_input["initial_value"] = thread[:MAX_INPUT_CHARS]
    options = [{"text": _plain(msg.CHANNEL_LABELS[c]), "value": c} for c in CHANNELS]
    conversation: dict[str, Any] = {"type": "conversations_select",
                                    "default_to_current_conversation": True,
                                    # Channels only: the bot can never post in other people's DMs.
                                    "filter": {"include": ["public", "private"],
                                               "exclude_bot_users": True}}
    if channel_id:
        conversation["initial_conversation"] = channel_id
    return {
        "type": "modal",
        "callback_id": DRAFT_MODAL_CALLBACK,
        "title": _plain(msg.MODAL_TITLE),
        "submit": _plain(msg.MODAL_SUBMIT),
        "private_metadata": metadata,
        "blocks": [
            _input("thread", msg.MODAL_THREAD_LABEL, thread_input, hint=msg.MODAL_THREAD_HINT),
            _input("channel", msg.MODAL_CHANNEL_LABEL,
                   {"type": "static_select", "options": options, "initial_option": options[0]}),
            _input("profile_url", msg.MODAL_PROFILE_LABEL, {"type": "url_text_input"}, optional=True),
            _input("company_url", msg.MODAL_COMPANY_LABEL, {"type": "url_text_input"}, optional=True),
            _input("website", msg.MODAL_WEBSITE_LABEL, {"type": "url_text_input"}, optional=True),
            _input("conversation", msg.MODAL_CONVERSATION_LABEL, conversation),
        ],
    }


def edit_modal(record: DraftRecord) -> dict[str, Any]:
    """The Edit form, prefilled with the current version; private_metadata holds the draft id."""
    version = record.current
    assert version is not None, "only a draft with a version can be edited"
    blocks: list[Block] = []
    if version.channel == "email":
        subject: dict[str, Any] = {"type": "plain_text_input", "max_length": 250}
        if version.subject:
            subject["initial_value"] = version.subject[:250]
        blocks.append(_input("subject", msg.MODAL_SUBJECT_LABEL, subject, optional=True))
    blocks.append(_input("text", msg.MODAL_TEXT_LABEL,
                         {"type": "plain_text_input", "multiline": True, "max_length": MAX_INPUT_CHARS,
                          "initial_value": version.text[:MAX_INPUT_CHARS]}))
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL_CALLBACK,
        "title": _plain(msg.EDIT_MODAL_TITLE),
        "submit": _plain(msg.MODAL_SAVE),
        "private_metadata": record.draft_id,
        "blocks": blocks,
    }
