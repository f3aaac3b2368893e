"""The batch runner and its CSV edges: the sample file end to end, bad files, cancel, restart-resume."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest

from engine import keys
from engine.batch.csv_io import RESULT_COLUMNS, read_batch_csv, write_results_csv
from engine.batch.runner import CANCELLED_ERROR, BatchProgress, BatchRunner, RowError, unfinished_batches
from engine.cache.store import SQLiteStore
from engine.errors import BatchNotFound, BatchRejected, FetchFailed
from engine.fetch import WebsiteInfo
from engine.models import Result
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.offline import OfflineAnalysis, OfflineProfile, OfflineReply
from engine.workflow import Engine
from tests.conftest import SAMPLES

BAD_ROWS = {7: "conversation_thread", 15: "channel", 22: "prospect_profile_url",
            30: "conversation_thread", 36: "conversation_thread"}


async def _no_network(url: str) -> WebsiteInfo:
    raise FetchFailed(f"{url}: tests fetch no outside websites")  # the sample's sites are .example


def _engine(data_dir: Path, store_path: Path | None = None) -> Engine:
    store = SQLiteStore(store_path or data_dir / "store.sqlite3")
    settings = EngineSettings(data_dir=data_dir)
    backends = Backends(profile=OfflineProfile(settings, fetch=_no_network),
                        analysis=OfflineAnalysis(), reply=OfflineReply())
    return Engine(settings, store=store, backends=backends)


def _sample() -> bytes:
    return (SAMPLES / "batch.csv").read_bytes()


def sample_without_websites() -> bytes:
    """The sample batch with the website column blanked, for engines that would fetch it."""
    rows = list(csv.reader(io.StringIO(_sample().decode("utf-8"), newline="")))
    column = rows[0].index("prospect_company_website")
    out = io.StringIO()
    csv.writer(out).writerows([row if n == 0 else [*row[:column], "", *row[column + 1:]]
                               for n, row in enumerate(rows)])
    return out.getvalue().encode()


async def test_sample_csv_drafts_35_and_explains_5_in_input_order(data_dir: Path) -> None:
    batch = read_batch_csv(_sample())
    engine = _engine(data_dir)
    seen: list[BatchProgress] = []
    report = await BatchRunner(engine, on_progress=seen.append).run(batch.items, scope="t",
                                                                    max_concurrent=8)
    assert (report.total_requests, report.successful_requests, report.failed_requests) == (40, 35, 5)
    assert [item.index for item in report.results] == list(range(40))
    for row, item in zip(batch.rows, report.results, strict=True):
        if row.row in BAD_ROWS:
            assert not item.ok and item.error and item.error.startswith(BAD_ROWS[row.row] + ":")
        else:
            assert item.ok and item.result is not None and item.result.draft.text
    errors = {row.row: item.error for row, item in zip(batch.rows, report.results, strict=True)
              if not item.ok}
    assert "conversation_thread is empty" in errors[7]
    assert "unsupported channel 'fax'" in errors[15]
    assert "invalid URL" in errors[22]
    assert "formula" in errors[30]
    assert "thread too long: 20,000 chars" in errors[36]
    assert report.throughput.endswith("requests/second") and report.total_processing_time.endswith("s")
    assert seen[-1].done == 40 and seen[-1].failed == 5 and seen[-1].total == 40
    assert [p.done for p in seen] == sorted(p.done for p in seen)


async def test_results_csv_echoes_input_adds_results_and_neutralises_formulas(data_dir: Path) -> None:
    text = ("Conversation Thread , CHANNEL,prospect_name\n"
            '"@channel heads up\nProspect: can you share pricing for 40 seats?",email,+1 Carla\n'
            '"=HYPERLINK(""https://evil.example"",""x"")",linkedin,Dana\n'
            '"Prospect: -- sounds good, send the deck",linkedin,"\tTabby"\n')
    batch = read_batch_csv(text.encode("utf-8"))
    report = await BatchRunner(_engine(data_dir)).run(batch.items, scope="t")
    out = list(csv.reader(io.StringIO(write_results_csv(batch, report))))
    assert out[0] == ["Conversation Thread", "CHANNEL", "prospect_name", *RESULT_COLUMNS]
    assert out[1][0].startswith("'@channel") and out[1][2] == "'+1 Carla"
    assert out[1][out[0].index("status")] == "ok" and out[1][out[0].index("draft")]
    assert out[2][0].startswith("'=HYPERLINK(") and out[2][out[0].index("status")] == "error"
    assert out[3][2] == "'\tTabby"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [cell for line in out for cell in line if cell.startswith(dangerous)]


def test_bad_header_is_rejected_naming_missing_and_unknown_columns() -> None:
    with pytest.raises(BatchRejected) as caught:
        read_batch_csv((SAMPLES / "batch_bad_header.csv").read_bytes())
    message = str(caught.value)
    assert "Missing: conversation_thread, channel" in message
    assert "Unknown: thread, chanel, profile, company_linkedin, company_webiste, prospect" in message
    assert "prospect_company_website" in message  # the expected columns are listed


def test_row_and_byte_limits_are_stated() -> None:
    with pytest.raises(BatchRejected, match=r"40 rows; the limit is 39 rows .*MAX_BATCH_ROWS"):
        read_batch_csv(_sample(), max_rows=39)
    with pytest.raises(BatchRejected, match=r"the limit is 1,000 bytes \(MAX_BATCH_BYTES\)"):
        read_batch_csv(_sample(), max_bytes=1000)


def test_bom_cp1252_and_semicolons_are_read() -> None:
    body = "conversation_thread;channel;prospect_name\nProspect: ¿precio para 40 usuarios?;email;José Müller\n"
    for data in (b"\xef\xbb\xbf" + body.encode("utf-8"), body.encode("cp1252")):
        batch = read_batch_csv(data)
        request = batch.items[0]
        assert not isinstance(request, RowError)
        assert request.prospect_name == "José Müller" and request.channel == "email"


def test_short_row_reports_the_missing_channel_instead_of_defaulting() -> None:
    batch = read_batch_csv(b"conversation_thread,channel\nProspect: hi there\n")
    item = batch.items[0]
    assert isinstance(item, RowError) and item.column == "channel" and item.row == 1


async def test_cancel_keeps_finished_rows_and_starts_no_more(data_dir: Path) -> None:
    batch = read_batch_csv(_sample())
    runner = BatchRunner(_engine(data_dir))

    def stop_after_four(progress: BatchProgress) -> None:
        if progress.done >= 4:
            runner.cancel()

    runner.on_progress = stop_after_four
    report = await runner.run(batch.items, scope="t", max_concurrent=2)
    finished = [item.index for item in report.results if item.error != CANCELLED_ERROR]
    # Workers take rows in order, so what finished is a prefix; what is left was never started.
    assert 4 <= len(finished) <= 5 and finished == list(range(len(finished)))
    assert report.metrics["status"] == "cancelled"
    assert report.metrics["cancelled_requests"] == 40 - len(finished)
    assert report.successful_requests + report.failed_requests == len(finished)


async def test_restart_resumes_without_redoing_or_losing_finished_rows(data_dir: Path) -> None:
    store_path = data_dir / "batches.sqlite3"
    batch = read_batch_csv(_sample())
    first = _engine(data_dir, store_path)
    first_results: dict[str, Result] = {}
    first.subscribe(lambda item: first_results.__setitem__(item.request_id, item)
                    if isinstance(item, Result) else None)
    runner = BatchRunner(first, batch_id="batch_restart")
    crash: asyncio.Task[object] | None = None

    def die_midway(progress: BatchProgress) -> None:
        if progress.done >= 15 and crash is not None:
            crash.cancel()  # the process dies: no clean shutdown, rows in flight are lost

    runner.on_progress = die_midway
    crash = asyncio.create_task(runner.run(batch.items, scope="t", max_concurrent=3))
    with pytest.raises(asyncio.CancelledError):
        await crash
    checkpointed = [json.loads(value)["item"] async for _, value in
                    first.store.scan(f"{keys.BATCH}batch_restart:out:")]
    assert 15 <= len(checkpointed) < 40
    assert [meta.batch_id for meta in await unfinished_batches(first)] == ["batch_restart"]
    await first.store.close()
    del first, runner

    second = _engine(data_dir, store_path)  # a new process on the same store file
    reruns: list[str] = []
    second.subscribe(lambda item: reruns.append(item.request_id) if isinstance(item, Result) else None)
    report = await BatchRunner(second, batch_id="batch_restart").resume()

    done_before = {item["index"] for item in checkpointed}
    valid_left = [i for i, row in enumerate(batch.items)
                  if i not in done_before and not isinstance(row, RowError)]
    assert sorted(int(rid.rsplit(".", 1)[1]) for rid in reruns) == valid_left  # nothing redone
    assert report.metrics["resumed_requests"] == len(done_before)
    assert (report.total_requests, report.successful_requests, report.failed_requests) == (40, 35, 5)
    for item in report.results:  # the first process's drafts are kept, not recomputed
        if item.index in done_before and item.result is not None:
            assert first_results[item.result.request_id].draft == item.result.draft
    assert await unfinished_batches(second) == []
    await second.store.close()


async def test_resume_of_an_unknown_batch_says_so(data_dir: Path) -> None:
    with pytest.raises(BatchNotFound, match="start it again"):
        await BatchRunner(_engine(data_dir), batch_id="batch_nope").resume()
