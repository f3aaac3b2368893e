"""User data never pings anyone; a draft too long for one message is trimmed and attached whole."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from bot.blocks import MAX_MESSAGE_TEXT, draft_blocks, fallback_text
from bot.drafts import DraftRecord, DraftVersion
from engine.models import Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.steps.offline import OfflineReply
from tests.batch_slack_helpers import batch_harness, share_file, thread_messages
from tests.conftest import SAMPLES
from tests.fakes.slack_server import MAX_BLOCKS_TEXT, FakeSlack, block_texts
from tests.slack_helpers import offline_engine, slack_harness

THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")
HOSTILE = "<!channel> <!here> <!everyone> <@U0EVIL> <#C0EVIL> & co"
# What Slack turns into a notification or a link when it reaches `text` or mrkdwn unescaped.
_PINGS = re.compile(r"<[!@#][^>]*>")


def _pings(fake: FakeSlack, *, allowed: set[str]) -> list[str]:
    found: list[str] = []
    for call in fake.calls:
        for text in [str(call.args.get("text") or ""), *block_texts(call.args.get("blocks") or [])]:
            found += [m for m in _PINGS.findall(text) if m not in allowed and not m.startswith("<!date^")]
    for response in fake.responses:
        found += [m for m in _PINGS.findall(json.dumps(response)) if m not in allowed]
    return found


def _record(text: str) -> DraftRecord:
    record = DraftRecord(team_id="T1", channel_id="C1", message_ts="1.1",
                         request=DraftRequest(conversation_thread=THREAD))
    record.versions.append(DraftVersion(number=1, text=text, subject=HOSTILE, channel="email"))
    record.status = "ready"
    return record


def test_draft_text_subject_and_fallback_are_escaped() -> None:
    record = _record(f"Hi {HOSTILE}, thanks!")
    blocks = draft_blocks(record)
    texts = [*block_texts(blocks), fallback_text(record)]
    assert not [m for t in texts for m in _PINGS.findall(t)]
    assert any("&lt;!channel&gt;" in t for t in texts)
    assert "&amp; co" in fallback_text(record)


async def test_a_csv_named_channel_pings_nobody(data_dir: Path) -> None:
    name = "<!channel> leads <@U0EVIL>.csv"
    async with batch_harness(data_dir) as slack:
        await share_file(slack, name, (SAMPLES / "batch.csv").read_bytes())
        await slack.settle()
        said = thread_messages(slack)
        assert any("Batch summary" in m.text for m in said)
        assert _pings(slack.fake, allowed={f"<@{slack.user_id}>"}) == []
        assert any("&lt;!channel&gt; leads" in m.all_text for m in said)


async def test_a_rejected_csv_named_here_pings_nobody(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack:
        await share_file(slack, "<!here>.csv", (SAMPLES / "batch_bad_header.csv").read_bytes())
        await slack.settle()
        [said] = thread_messages(slack)
        assert "couldn't run" in said.text and "&lt;!here&gt;" in said.text
        assert _pings(slack.fake, allowed=set()) == []


class LongReply(OfflineReply):
    """An e-mail of ~19,000 characters (the guard's cap for e-mail is 20,000), as a verbose LLM writes."""

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        base = await super().draft(request, profile=profile, analysis=analysis, snippets=snippets)
        body = "\n\n".join(f"Paragraph {i}: " + "we automate win-back journeys for teams " * 16
                           for i in range(29))
        return base.model_copy(update={"text": body + "\n\nEND-OF-DRAFT"})


async def test_a_long_draft_is_trimmed_and_attached_whole(data_dir: Path) -> None:
    engine = offline_engine(data_dir, reply=LongReply())
    try:
        async with slack_harness(data_dir, engine=engine) as slack:
            await slack.command("email " + THREAD)
            await slack.settle()
            [message] = slack.drafts_posted()
            assert not [c for c in slack.fake.calls if c.error == "msg_blocks_too_long"]
            assert sum(len(t) for t in block_texts(message.blocks)) <= MAX_MESSAGE_TEXT < MAX_BLOCKS_TEXT
            assert "attached as a file in this thread" in message.all_text
            assert "END-OF-DRAFT" not in message.all_text
            [upload] = [f for f in slack.fake.files.values() if str(f.get("title", "")).startswith("Full draft")]
            text = upload["_content"].decode()
            assert text.endswith("END-OF-DRAFT") and len(text) > 18_000
            assert upload["thread_ts"] == message.ts and upload["channels"] == [slack.channel_id]
            assert [b for b in message.blocks if b["type"] == "actions"]  # the buttons stay
    finally:
        await engine.store.close()


async def test_the_fake_refuses_blocks_over_slacks_total(data_dir: Path) -> None:
    async with FakeSlack() as fake:
        from slack_sdk.errors import SlackApiError
        from slack_sdk.web.async_client import AsyncWebClient

        client = AsyncWebClient(token=fake.token, base_url=fake.url)
        sections = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}} for _ in range(5)]
        try:
            await client.chat_postMessage(channel="C1", text="long", blocks=sections)
        except SlackApiError as exc:
            assert exc.response["error"] == "msg_blocks_too_long"
        else:
            raise AssertionError("15,000 characters of blocks went through")
        ok = await client.chat_postMessage(channel="C1", text="fits", blocks=sections[:3])
        assert ok["ok"]
