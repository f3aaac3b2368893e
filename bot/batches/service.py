"""CSV batches uploaded in Slack: check the file, run it with the batch runner, report in its thread.

One upload runs once: Slack announces a file twice (`file_shared`, and a `message` with subtype
`file_share`, with different event ids) and may re-deliver either, so the first to arrive claims
`rc:slack-batch-file:{team}:{file}` with Store.set_if_absent and the rest are dropped.

Everything a restarted process needs is in the store, next to the runner's own checkpoints: the
batch's info, its CSV text, the lease, who pressed Cancel and whether the results went up
(`rc:slack-batch-active:` and `rc:slack-batch:{id}:…`, declared in engine/keys.py).

On start-up `resume_all()` picks up every active batch whose lease is free (a crashed process's
lease expires after LEASE_TTL_S): unfinished rows run, finished ones are kept, the thread is told.
The lease holder is the one process that edits the batch's progress message, whichever process
started it. With REDIS_URL the rows are queue jobs that `replycrew worker`s draft (the lease
holder follows them in the store); without it they run in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.batches import messages as batch_msg
from bot.batches.blocks import batch_progress_blocks, batch_summary_blocks, row_errors
from bot.batches.files import (
    DownloadFailed,
    RemoteFile,
    download_file,
    file_info,
    from_bot,
    is_csv,
    share_ts,
    upload_results,
)
from bot.batches.progress import BatchProgressMessage, edit_interval
from bot.batches.records import ACTIVE_PREFIX, RunnerLike, SlackBatchInfo, batch_key
from bot.digests.activity import record_batch_run
from bot.install.clients import NotInstalled
from bot.permissions import may_act
from bot.runtime import SlackRuntime
from engine import keys
from engine.batch.csv_io import BatchCsv, decode_csv_bytes, read_batch_csv, results_csv_bytes
from engine.batch.queue import BatchQueue
from engine.batch.queued import QueueBatchRunner
from engine.batch.runner import BATCH_TTL_S, BatchRunner, ProgressCallback
from engine.errors import BatchRejected, ReplycrewError
from engine.models import BatchReport

__all__ = ["HEARTBEAT_S", "LEASE_TTL_S", "SlackBatchInfo", "SlackBatches"]

log = logging.getLogger(__name__)
LEASE_TTL_S = 30
HEARTBEAT_S = 2.0


@dataclass
class _Running:
    info: SlackBatchInfo
    runner: RunnerLike
    progress: BatchProgressMessage
    cancelled_by: str | None = None


class SlackBatches:
    """Every CSV batch of one Slack app: start from an upload, resume, cancel, stop."""

    def __init__(self, runtime: SlackRuntime, *, use_queue: bool | None = None) -> None:
        self.runtime = runtime
        # None: the queue when Redis is configured (see the module docstring).
        self.use_queue = use_queue
        self._queue: BatchQueue | None = None
        self.running: dict[str, _Running] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._leased: set[str] = set()  # batch ids whose lease this process holds
        self._owner = f"{os.getpid()}:{id(self):x}"
        self._gone_teams: set[str] = set()  # workspaces that uninstalled the app

    @property
    def store(self) -> Any:
        return self.runtime.engine.store

    def _spawn(self, work: Any, *, name: str) -> None:
        task = self.runtime.spawn(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- an upload -------------------------------------------------------------------------

    def file_shared(self, *, team_id: str, channel: str, file_id: str, file: dict[str, Any] | None,
                    thread_ts: str | None, user_id: str | None, bot_user_id: str | None,
                    enterprise_id: str | None = None) -> None:
        """A file appeared in a conversation with the bot: run it if it is a CSV (in the background)."""
        if file is not None and (not is_csv(file) or from_bot(file, bot_user_id)):
            return  # known at once: not a batch (or our own results file)
        self._spawn(self._upload(team_id=team_id, channel=channel, file_id=file_id, file=file,
                                 thread_ts=thread_ts, user_id=user_id, bot_user_id=bot_user_id,
                                 enterprise_id=enterprise_id),
                    name=f"batch-upload-{file_id}")

    async def _client(self, team_id: str, enterprise_id: str | None) -> AsyncWebClient:
        """The installing team's client (raises NotInstalled once the app left the workspace)."""
        return await self.runtime.clients.for_team(team_id, enterprise_id)

    async def _upload(self, *, team_id: str, channel: str, file_id: str, file: dict[str, Any] | None,
                      thread_ts: str | None, user_id: str | None, bot_user_id: str | None,
                      enterprise_id: str | None) -> None:
        try:
            client = await self._client(team_id, enterprise_id)
        except NotInstalled:
            log.warning("file %s: team %s has no installation; ignored", file_id, team_id)
            return
        if not await self.store.set_if_absent(f"{keys.SLACK_BATCH_FILE}{team_id}:{file_id}", "1",
                                              ttl=BATCH_TTL_S):
            log.info("file %s is already being handled", file_id)
            return
        try:
            if file is None or not file.get("url_private") or thread_ts is None:
                file = {**(file or {}), **await file_info(client, file_id)}
        except DownloadFailed as exc:
            log.warning("files.info for %s failed: %s", file_id, exc)  # not known to be a CSV: quiet
            return
        if not is_csv(file) or from_bot(file, bot_user_id):
            return
        thread_ts = thread_ts or share_ts(file, channel)
        name = str(file.get("name") or file.get("title") or file_id)
        settings = self.runtime.settings
        try:
            size = int(file.get("size") or 0)
            if size > settings.max_batch_bytes:
                await self._say(client, channel, thread_ts,
                                batch_msg.batch_too_big(name, size, settings.max_batch_bytes))
                return
            data = await download_file(client, file, max_bytes=settings.max_batch_bytes)
            batch = await asyncio.to_thread(read_batch_csv, data, max_rows=settings.max_batch_rows,
                                            max_bytes=settings.max_batch_bytes)
        except RemoteFile:
            await self._say(client, channel, thread_ts, batch_msg.batch_remote_file(name))
            return
        except DownloadFailed as exc:
            await self._say(client, channel, thread_ts, batch_msg.batch_download_failed(name, str(exc)))
            return
        except BatchRejected as exc:
            await self._say(client, channel, thread_ts, batch_msg.batch_rejected(name, str(exc)))
            return
        text, _ = decode_csv_bytes(data)
        await self._start(client, team_id=team_id, channel=channel, thread_ts=thread_ts, user_id=user_id,
                          file_id=file_id, name=name, batch=batch, text=text, enterprise_id=enterprise_id)

    async def _start(self, client: AsyncWebClient, *, team_id: str, channel: str, thread_ts: str | None,
                     user_id: str | None, file_id: str, name: str, batch: BatchCsv, text: str,
                     enterprise_id: str | None) -> None:
        batch_id = f"slack_{team_id}_{file_id}"
        total = len(batch.rows)
        header = batch_msg.batch_progress_header(name, total, user_id)
        try:
            await self.runtime.budget.for_team(team_id).post(channel)
            posted = await client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=header, unfurl_links=False,
                blocks=batch_progress_blocks(header=header, progress=None, total=total,
                                             batch_id=batch_id))
        except SlackApiError as exc:
            log.warning("batch %s: cannot post in %s: %s", batch_id, channel, exc.response.get("error"))
            return
        progress_ts = str(posted["ts"])
        info = SlackBatchInfo(batch_id=batch_id, team_id=team_id, channel=str(posted.get("channel") or channel),
                              thread_ts=thread_ts or progress_ts, progress_ts=progress_ts,
                              user_id=user_id, file_id=file_id, file_name=name, total=total,
                              enterprise_id=enterprise_id)
        await self.store.set(batch_key(batch_id, "csv"), text, ttl=BATCH_TTL_S)
        await self.store.set(ACTIVE_PREFIX + batch_id, info.to_json(), ttl=BATCH_TTL_S)
        await self.store.set(batch_key(batch_id, "lease"), self._owner, ttl=LEASE_TTL_S)
        self._leased.add(batch_id)
        await self._drive(info, batch, status=None)

    # ---- running, resuming, delivering -----------------------------------------------------

    async def _runner(self, batch_id: str, on_progress: ProgressCallback) -> RunnerLike:
        engine = self.runtime.engine
        settings = self.runtime.settings
        queued = self.use_queue if self.use_queue is not None else bool(settings.redis_dsn)
        if queued:
            if self._queue is None:
                self._queue = BatchQueue(settings)
                await self._queue.connect()
            return QueueBatchRunner(engine.store, self._queue, batch_id=batch_id, on_progress=on_progress,
                                    cancelled_by="slack")
        return BatchRunner(engine, batch_id=batch_id, on_progress=on_progress)

    async def _drive(self, info: SlackBatchInfo, batch: BatchCsv, *, status: str | None) -> None:
        """Run (status None), resume (running) or just deliver (done, cancelled) one batch."""
        interval = edit_interval(info.total, base_s=self.runtime.min_edit_interval_s)
        client = await self._client(info.team_id, info.enterprise_id)
        progress = BatchProgressMessage(client, channel=info.channel, ts=info.progress_ts,
                                        header=batch_msg.batch_progress_header(info.file_name, info.total,
                                                                         info.user_id),
                                        total=info.total, batch_id=info.batch_id, interval_s=interval,
                                        budget=self.runtime.budget.for_team(info.team_id),
                                        thread_ts=info.thread_ts)
        running = _Running(info=info, runner=await self._runner(info.batch_id, progress.on_progress),
                           progress=progress)
        self.running[info.batch_id] = running
        heartbeat = asyncio.create_task(self._heartbeat(running), name=f"batch-lease-{info.batch_id}")
        try:
            cancelled_by = await self.store.get(batch_key(info.batch_id, "cancel"))
            if cancelled_by:
                running.cancelled_by = cancelled_by
                running.runner.cancel()
            settings = self.runtime.settings
            if status is None:
                report = await running.runner.run(
                    [row.item for row in batch.rows], scope=f"team:{info.team_id}",
                    max_concurrent=settings.max_concurrent_requests,
                    context={"slack_batch": info.batch_id})
            elif status == "running":
                report = await running.runner.resume()
            else:
                report = await BatchRunner(self.runtime.engine, batch_id=info.batch_id).load_report()
        except ReplycrewError as exc:  # e.g. the store went away: checkpoints stay, say so
            log.warning("batch %s stopped: %s", info.batch_id, exc)
            await self._say(client, info.channel, info.thread_ts, batch_msg.batch_stopped(str(exc)))
            return
        finally:
            heartbeat.cancel()
            self.running.pop(info.batch_id, None)
            progress.stop()
        if info.team_id in self._gone_teams:  # uninstalled meanwhile: nobody to deliver to
            await self._drop(info)
            return
        await self._deliver(info, batch, report, progress, cancelled_by=running.cancelled_by)

    async def _heartbeat(self, running: _Running) -> None:
        batch_id = running.info.batch_id
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await self.store.set(batch_key(batch_id, "lease"), self._owner, ttl=LEASE_TTL_S)
                who = None if running.cancelled_by else await self.store.get(batch_key(batch_id, "cancel"))
            except ReplycrewError as exc:  # a store outage costs a heartbeat, not the batch
                log.warning("batch %s: lease renewal failed: %s", batch_id, exc)
                continue
            if who:  # Cancel was pressed on a message another process answered
                running.cancelled_by = who
                running.runner.cancel()
                await running.progress.note(batch_msg.batch_cancelling(who))

    async def _deliver(self, info: SlackBatchInfo, batch: BatchCsv, report: BatchReport,
                       progress: BatchProgressMessage, *, cancelled_by: str | None) -> None:
        client = progress.editor.client
        cancelled = int(report.metrics.get("cancelled_requests", 0))
        await progress.finish(batch_msg.batch_finished_line(
            successful=report.successful_requests, failed=report.failed_requests,
            cancelled=cancelled, total=report.total_requests, cancelled_by=cancelled_by))
        uploaded_key = batch_key(info.batch_id, "uploaded")
        if await self.store.get(uploaded_key) is None:
            data = await asyncio.to_thread(results_csv_bytes, batch, report)
            stem = info.file_name.rsplit(".", 1)[0] or "batch"
            try:
                file_id = await upload_results(
                    client, channel=info.channel, thread_ts=info.thread_ts, data=data,
                    filename=f"{stem}.drafts.csv", title=batch_msg.batch_results_title(info.file_name),
                    comment=batch_msg.BATCH_RESULTS_COMMENT)
            except (SlackApiError, ReplycrewError, OSError) as exc:
                detail = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
                log.warning("batch %s: results upload failed: %s", info.batch_id, detail)
                await self._say(client, info.channel, info.thread_ts, batch_msg.batch_upload_failed(str(detail)))
            else:
                if file_id:  # its file_shared event must not start a batch of our own output
                    await self.store.set_if_absent(f"{keys.SLACK_BATCH_FILE}{info.team_id}:{file_id}", "1",
                                                   ttl=BATCH_TTL_S)
                await self.store.set(uploaded_key, file_id or "1", ttl=BATCH_TTL_S)
                # Once per batch (the upload mark guards re-delivery): the channel's digest counts it.
                await record_batch_run(self.store, team_id=info.team_id, channel_id=info.channel,
                                       report=report)
                blocks = batch_summary_blocks(report, file_name=info.file_name, errors=row_errors(batch, report))
                await self._say(client, info.channel, info.thread_ts, blocks[0]["text"]["text"], blocks=blocks)
        for key in (ACTIVE_PREFIX + info.batch_id, batch_key(info.batch_id, "csv"),
                    batch_key(info.batch_id, "lease"), batch_key(info.batch_id, "cancel")):
            await self.store.delete(key)
        self._leased.discard(info.batch_id)

    async def resume_all(self) -> int:
        """Start resuming every batch a stopped process left unfinished; returns how many."""
        found = [SlackBatchInfo.from_json(value) async for _, value in self.store.scan(ACTIVE_PREFIX)]
        for info in found:
            if info.batch_id not in self.running:
                self._spawn(self._resume(info), name=f"batch-resume-{info.batch_id}")
        return len(found)

    async def _resume(self, info: SlackBatchInfo) -> None:
        try:
            await self._client(info.team_id, info.enterprise_id)
        except NotInstalled:  # the workspace left while this process was down
            await self._drop(info)
            return
        lease = batch_key(info.batch_id, "lease")
        while not await self.store.set_if_absent(lease, self._owner, ttl=LEASE_TTL_S):
            if await self.store.get(ACTIVE_PREFIX + info.batch_id) is None:
                return  # another process finished it
            await asyncio.sleep(LEASE_TTL_S / 6)  # a live owner renews it; a dead one's expires
        self._leased.add(info.batch_id)
        if await self.store.get(ACTIVE_PREFIX + info.batch_id) is None:
            await self.store.delete(lease)  # delivered by its owner just before we got the lease
            self._leased.discard(info.batch_id)
            return
        text = await self.store.get(batch_key(info.batch_id, "csv"))
        if text is None:
            log.warning("batch %s: its CSV is gone from the store; dropping it", info.batch_id)
            await self.store.delete(ACTIVE_PREFIX + info.batch_id)
            return
        # The file passed the limits when it was uploaded; today's limits must not strand it.
        batch = await asyncio.to_thread(read_batch_csv, text, max_rows=10**9, max_bytes=10**12)
        runner = BatchRunner(self.runtime.engine, batch_id=info.batch_id)
        status = await runner.status()
        if status == "running":
            done = await runner.finished_count()
            await self._say(await self._client(info.team_id, info.enterprise_id), info.channel, info.thread_ts,
                            batch_msg.batch_resumed(done, info.total))
        await self._drive(info, batch, status=status)

    # ---- Cancel, shutdown -----------------------------------------------------------------------

    async def cancel(self, batch_id: str, *, team_id: str, user_id: str) -> str | None:
        """Cancel pressed: stop starting rows; returns a private answer for the user, or None."""
        running = self.running.get(batch_id)
        if running is not None:
            if running.info.team_id != team_id:
                return msg.WRONG_WORKSPACE
            if not may_act(self.runtime.settings, user_id=user_id, owner_id=running.info.user_id):
                return batch_msg.not_your_batch(running.info.user_id)
            if running.cancelled_by is None:
                running.cancelled_by = user_id
                running.runner.cancel()
                await self.store.set(batch_key(batch_id, "cancel"), user_id, ttl=BATCH_TTL_S)
                await running.progress.note(batch_msg.batch_cancelling(user_id))
            return None
        raw = await self.store.get(ACTIVE_PREFIX + batch_id)
        if raw is None:
            status = await BatchRunner(self.runtime.engine, batch_id=batch_id).status()
            return batch_msg.BATCH_ALREADY_FINISHED if status is not None else batch_msg.BATCH_UNKNOWN
        info = SlackBatchInfo.from_json(raw)
        if info.team_id != team_id:
            return msg.WRONG_WORKSPACE
        if not may_act(self.runtime.settings, user_id=user_id, owner_id=info.user_id):
            return batch_msg.not_your_batch(info.user_id)
        # Another process runs it (or will resume it): it reads this within HEARTBEAT_S.
        await self.store.set(batch_key(batch_id, "cancel"), user_id, ttl=BATCH_TTL_S)
        return None

    async def forget_team(self, team_id: str) -> int:
        """The app left a workspace: stop its batches, drop their records; returns how many."""
        self._gone_teams.add(team_id)
        count = 0
        for running in list(self.running.values()):
            if running.info.team_id == team_id:
                running.runner.cancel()
                count += 1
        async for _, value in self.store.scan(ACTIVE_PREFIX):
            info = SlackBatchInfo.from_json(value)
            if info.team_id == team_id and info.batch_id not in self.running:
                await self._drop(info)
                count += 1
        return count

    async def _drop(self, info: SlackBatchInfo) -> None:
        for key in (ACTIVE_PREFIX + info.batch_id, batch_key(info.batch_id, "csv"),
                    batch_key(info.batch_id, "lease"), batch_key(info.batch_id, "cancel")):
            await self.store.delete(key)
        self._leased.discard(info.batch_id)

    async def stop(self) -> None:
        """The process is stopping: stop driving batches, keep their checkpoints, free the leases."""
        for running in self.running.values():
            running.progress.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for batch_id in list(self._leased):
            with contextlib.suppress(ReplycrewError):  # else the lease simply expires
                await self.store.delete(batch_key(batch_id, "lease"))  # the next process resumes at once
        self._leased.clear()
        if self._queue is not None:
            await self._queue.close()
            self._queue = None

    async def _say(self, client: AsyncWebClient, channel: str, thread_ts: str | None, text: str,
                   blocks: list[dict[str, Any]] | None = None) -> None:
        with contextlib.suppress(SlackApiError):  # nobody to tell: the channel is gone
            await self.runtime.budget.for_team("-").post(channel)  # channel ids are unique across teams
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                          blocks=blocks, unfurl_links=False)
