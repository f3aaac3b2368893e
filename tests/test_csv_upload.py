"""A rep shares a CSV of prospects in Slack and gets a CSV of drafts back in the file's thread."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

from bot.digests.activity import batch_runs
from engine.batch.csv_io import COLUMNS, RESULT_COLUMNS
from tests.batch_slack_helpers import (
    SHARE_TS,
    announce,
    batch_harness,
    results_rows,
    share_file,
    thread_messages,
)
from tests.conftest import SAMPLES

BATCH = (SAMPLES / "batch.csv").read_bytes()
BAD_HEADER = (SAMPLES / "batch_bad_header.csv").read_bytes()
BAD_ROWS = {7: "conversation_thread is empty", 15: "unsupported channel 'fax'",
            22: "invalid URL", 30: "formula", 36: "thread too long"}
INJECTION_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sample_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(BATCH.decode("utf-8"), newline="")))


async def test_the_sample_csv_round_trips_through_slack(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack:
        info = await share_file(slack, "prospects.csv", BATCH)
        await slack.settle()
        fake = slack.fake

        # Downloaded from url_private with the bot token as a Bearer header.
        assert fake.downloads == [{"file_id": info["id"], "authorization": f"Bearer {fake.token}"}]
        # Uploaded with the three-call flow, into the file's thread.
        assert len(fake.calls_to("files.getUploadURLExternal")) == 1
        completed = fake.calls_to("files.completeUploadExternal")
        assert len(completed) == 1 and not completed[0].error
        assert completed[0].args["channel_id"] == slack.channel_id
        assert completed[0].args["thread_ts"] == SHARE_TS
        assert len(fake.uploads) == 1 and fake.uploads[0]["bytes"] > 0

        rows = results_rows(slack)
        header, body = rows[0], rows[1:]
        assert header == [*COLUMNS, *RESULT_COLUMNS]
        sample = _sample_rows()[1:]
        assert len(body) == len(sample) == 40
        col = {name: header.index(name) for name in header}
        for number, (out, given) in enumerate(zip(body, sample, strict=True), start=1):
            if number in BAD_ROWS:
                assert out[col["status"]] == "error", number
                assert BAD_ROWS[number] in out[col["error"]], (number, out[col["error"]])
                assert out[col["draft"]] == ""
            else:
                assert out[col["status"]] in ("ok", "degraded"), (number, out[col["error"]])
                assert out[col["draft"]].strip() and out[col["intent"]]
                assert int(out[col["ms"]]) >= 0
                # Input order kept: the echoed thread is the row's own.
                assert out[col["conversation_thread"]] == given[0]
            assert not any(cell.startswith(INJECTION_STARTS) for cell in out), number
        assert body[29][col["conversation_thread"]].startswith("'=HYPERLINK(")  # neutralised, kept

        messages = thread_messages(slack)
        progress, summary = messages[0], messages[-1]
        assert progress.updates >= 1 and "Done: 35 drafted, 5 failed, of 40 rows" in progress.all_text
        assert not any(block["type"] == "actions" for block in progress.blocks)  # no Cancel left
        for words in ("Total requests: 40", "Successful: 35", "Failed: 5", "Total processing time",
                      "Average time per request", "Throughput", "Row 7:", "Row 36:"):
            assert words in summary.all_text, words
        assert not fake.invalid
        # The channel's digest counts the run once.
        runs = await batch_runs(slack.runtime.engine.store, team_id=slack.team_id,
                                channel_id=slack.channel_id, since=0, until=time.time() + 1)
        assert [(run["total"], run["ok"], run["failed"]) for run in runs] == [(40, 35, 5)]


async def test_a_bad_header_gets_one_message_naming_the_columns(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack:
        await share_file(slack, "bad.csv", BAD_HEADER, via="message", channel="D0DM")
        await slack.settle()
        messages = thread_messages(slack, "D0DM")
        assert len(messages) == 1
        text = messages[0].text
        for words in ("Missing: conversation_thread, channel", "Unknown: thread, chanel, profile",
                      "Expected columns: conversation_thread, channel, prospect_profile_url"):
            assert words in text, words
        assert not slack.fake.calls_to("files.getUploadURLExternal")


async def test_limits_are_stated_when_exceeded(data_dir: Path) -> None:
    async with batch_harness(data_dir, max_batch_rows=10) as slack:
        await share_file(slack, "many.csv", BATCH, ts="1700000200.000100")
        await slack.settle()
        [message] = thread_messages(slack, ts="1700000200.000100")
        assert "40 rows; the limit is 10 rows" in message.text and "MAX_BATCH_ROWS" in message.text
    async with batch_harness(data_dir, max_batch_bytes=2000) as slack:
        await share_file(slack, "big.csv", BATCH, ts="1700000300.000100")
        await slack.settle()
        [message] = thread_messages(slack, ts="1700000300.000100")
        assert f"{len(BATCH):,} bytes; the limit is 2,000 bytes" in message.text
        assert "MAX_BATCH_BYTES" in message.text
        assert not slack.fake.downloads  # refused from the size Slack reports, before downloading


async def test_a_bom_cp1252_csv_in_the_bots_dm_is_drafted(data_dir: Path) -> None:
    header = "Conversation Thread;Channel;Prospect Name\r\n"
    row = '"Rep (Jo): Hi René?\nRené Müller: Was kostet das für 40 Plätze?";linkedin;René Müller\r\n'
    async with batch_harness(data_dir) as slack:
        for ts, content in (("1700000400.000100", (header + row).encode("cp1252")),
                            ("1700000500.000100", "\ufeff".encode() + (header + row).encode())):
            await share_file(slack, "dm.csv", content, via="message", channel="D0DM", ts=ts)
        await slack.settle()
        rows = results_rows(slack)
        assert len(rows) == 4  # two files: header + one row each
        for out in (rows[1], rows[3]):
            assert out[2] == "René Müller" and out[3].strip()  # name kept; a draft written
        assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2


async def test_non_csv_files_are_ignored(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack:
        await share_file(slack, "logo.png", b"\x89PNG\r\n", filetype="png", via="message", channel="D0DM")
        await share_file(slack, "notes.txt", b"hello", filetype="text", ts="1700000600.000100")
        await slack.settle()
        assert not slack.fake.messages and not slack.fake.downloads


async def test_one_upload_runs_once_however_often_slack_announces_it(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack:
        # In the app's DM Slack announces an upload twice: file_shared and message.im.
        info = await share_file(slack, "prospects.csv", BATCH, event_id="Ev0SHARED", channel="D0DM")
        await announce(slack, info, via="file_shared", channel="D0DM", event_id="Ev0SHARED",
                       retry_num=1)  # Slack's re-delivery of the same event
        await announce(slack, info, via="message", channel="D0DM")  # the message event
        await slack.settle()
        assert len(slack.fake.downloads) == 1
        assert len(slack.fake.calls_to("files.completeUploadExternal")) == 1
        assert len(results_rows(slack)) == 41
        # Our own results file, announced to the app in turn, is not run as a batch.
        [results] = [f for f in slack.fake.files.values() if f["title"].startswith("Drafts for")]
        await announce(slack, results, via="file_shared", channel="D0DM")
        await slack.settle()
        assert len(slack.fake.downloads) == 1
