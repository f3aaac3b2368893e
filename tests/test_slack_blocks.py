"""Every message fits Block Kit's limits; Markdown becomes mrkdwn; sources read like "semantic cache 0.93"."""

from __future__ import annotations

import json

from bot.blocks import MAX_MESSAGE_TEXT, draft_blocks, edit_modal, progress_blocks
from bot.drafts import DraftRecord, DraftVersion, StepSummary
from bot.mrkdwn import markdown_to_mrkdwn, slack_to_plain, split_text
from engine.models import Channel, DraftRequest, StepEvent
from tests.fakes.block_kit import validate_blocks, validate_view
from tests.fakes.slack_server import block_texts


def _record(text: str, *, versions: int = 1, channel: Channel = "linkedin") -> DraftRecord:
    record = DraftRecord(team_id="T1", channel_id="C1", message_ts="1.1",
                         request=DraftRequest(conversation_thread="Ana: hi there, pricing?"))
    for n in range(1, versions + 1):
        record.versions.append(DraftVersion(
            number=n, text=text, channel=channel,
            subject="Re: pricing" if channel == "email" else None, mode="parallel", total_ms=1234,
            steps=[StepSummary(name="analysis", status="ok", source="semantic_cache", similarity=0.934)]))
    record.status = "ready"
    return record


def test_progress_shows_done_marks_seconds_and_sources() -> None:
    steps = {
        "profile": StepEvent(request_id="r", name="profile", status="ok", source="profile_cache",
                             elapsed_ms=420),
        "analysis": StepEvent(request_id="r", name="analysis", status="ok", source="semantic_cache",
                              similarity=0.9312, elapsed_ms=35),
        "reply": StepEvent(request_id="r", name="reply", status="started"),
    }
    blocks = progress_blocks(header="Drafting…", steps=steps)
    text = blocks[1]["text"]["text"]
    assert ":white_check_mark: Profile enrichment — 0.4 s · profile cache" in text
    assert "Thread analysis — 0.0 s · semantic cache 0.93" in text
    assert ":white_circle: Reply drafting" in text
    assert validate_blocks(blocks) is None


def test_a_huge_draft_is_split_and_still_valid() -> None:
    text = "\n\n".join(f"Paragraph {i}: " + "lorem ipsum dolor sit amet " * 40 for i in range(200))
    blocks = draft_blocks(_record(text, versions=5, channel="email"))
    assert len(blocks) <= 50
    assert validate_blocks(blocks) is None
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "attached as a file" in json.dumps(blocks)  # the cut is said, not silent
    assert "Subject:" in sections[0]["text"]["text"]
    assert sum(len(t) for t in block_texts(blocks)) <= MAX_MESSAGE_TEXT


def test_a_long_draft_under_the_limit_is_kept_whole() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 150 for i in range(13))  # ~10,000 characters
    blocks = draft_blocks(_record(text))
    body = "".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert body.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert validate_blocks(blocks) is None


def test_context_line_names_time_mode_and_sources() -> None:
    blocks = draft_blocks(_record("Hi Ana,\n\nSure."))
    context = " ".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])
    assert "1.2 s" in context and "parallel" in context and "analysis: semantic cache 0.93" in context


def test_approved_state_has_no_buttons() -> None:
    record = _record("Hi Ana,")
    record.status, record.approved_by, record.approved_at = "approved", "U1", 1_700_000_000
    blocks = draft_blocks(record)
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "Approved by <@U1>" in str(blocks)


def test_edit_modal_is_valid_and_prefilled() -> None:
    view = edit_modal(_record("Hi Ana, **bold**", channel="email"))
    assert validate_view(view) is None
    assert [b["block_id"] for b in view["blocks"]] == ["subject", "text"]


def test_the_fake_refuses_what_slack_refuses() -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert validate_blocks(too_long) is not None
    assert validate_blocks([{"type": "divider"}] * 51) is not None
    button = {"type": "actions", "elements": [{"type": "button", "action_id": "a", "value": "v" * 2001,
                                               "text": {"type": "plain_text", "text": "A"}}]}
    assert validate_blocks([button]) is not None


def test_markdown_becomes_mrkdwn() -> None:
    source = "# Pricing\n**Bold** and *italic* and ~~old~~, see [the page](https://a.example/x).\n- one\n- two"
    assert markdown_to_mrkdwn(source) == (
        "*Pricing*\n*Bold* and _italic_ and ~old~, see <https://a.example/x|the page>.\n• one\n• two")
    assert markdown_to_mrkdwn("a < b & c") == "a &lt; b &amp; c"
    assert markdown_to_mrkdwn("`**code**` **x**") == "`**code**` *x*"


def test_slack_text_is_unescaped_for_the_engine() -> None:
    assert slack_to_plain("&lt;hi&gt; &amp; <https://a.example|a.example> <@U1> x") == "<hi> & a.example  x"


def test_split_never_cuts_inside_a_link_or_entity() -> None:
    text = ("word " * 590) + "<https://example.com/some/long/path|a link label here> &amp; more"
    pieces = split_text(text, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert any(p.startswith("<https://") or "<https://example.com/some/long/path|a link label here>" in p
               for p in pieces)
