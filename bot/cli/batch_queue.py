"""`replycrew batch` on the queue (REDIS_URL): submit the CSV, follow it with a bar, detach on Ctrl-C.

The workers draft the rows; this process only writes the batch to the store, enqueues its batch
job and reads progress back, so it needs Redis and no LLM key. `replycrew batch status ID` and
`replycrew batch results ID -o OUT.csv` follow up on a batch from any machine that reaches Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import messages as msg
from engine.errors import ReplycrewError

if TYPE_CHECKING:
    from bot.settings import Settings
    from engine.batch.csv_io import BatchCsv

__all__ = ["queued_batch", "results_command", "status_command"]

SCOPE = "cli:local"
DETACHED = 0  # detaching is a choice, not a failure: the batch goes on


def queued_batch(args: argparse.Namespace, settings: Settings, batch: BatchCsv, *, data: bytes,
                 output: Path, batch_id: str) -> int:
    """Submit (or resume) the batch on the queue and follow it to its results file."""
    try:
        return asyncio.run(_submit_and_follow(args, settings, batch, data=data, output=output,
                                              batch_id=batch_id))
    except ReplycrewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _submit_and_follow(args: argparse.Namespace, settings: Settings, batch: BatchCsv, *,
                             data: bytes, output: Path, batch_id: str) -> int:
    from tqdm import tqdm

    from bot.cli.output import print_summary, write_atomically
    from engine.batch.csv_io import decode_csv_bytes, results_csv_bytes
    from engine.batch.queue import BatchQueue
    from engine.batch.queued import QueueBatchRunner
    from engine.batch.rows import BatchProgress
    from engine.cache.store import open_store

    store = open_store(settings)
    queue = BatchQueue(settings)
    await queue.connect()
    bar = tqdm(total=len(batch.rows), unit="row", file=sys.stderr, disable=args.no_progress,
               dynamic_ncols=True)

    def on_progress(progress: BatchProgress) -> None:
        bar.set_postfix(failed=progress.failed, refresh=False)
        bar.update(progress.done - bar.n)

    runner = QueueBatchRunner(store, queue, batch_id=batch_id, on_progress=on_progress,
                              cancelled_by="cli")
    loop = asyncio.get_running_loop()
    detach = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, detach.set)  # Ctrl-C: detach, never cancel the batch
    try:
        meta = await runner.record.find_meta()
        if meta is not None and meta.status in ("running", "cancelled") and not args.fresh:
            done = (await runner.record.counts()).done
            bar.write(f"resuming batch {batch_id}: {done} of {len(batch.rows)} rows already have "
                      "a result and are kept", file=sys.stderr)
            following = asyncio.create_task(runner.resume())
        else:
            await runner.record.forget()
            await runner.record.save_source(decode_csv_bytes(data)[0])
            await runner.submit(batch.items, scope=SCOPE, max_concurrent=args.concurrency)
            bar.write(msg.batch_submitted(batch_id, len(batch.rows)), file=sys.stderr)
            following = asyncio.create_task(runner.follow())
        detached = asyncio.create_task(detach.wait())
        await asyncio.wait({following, detached}, return_when=asyncio.FIRST_COMPLETED)
        detached.cancel()
        if not following.done():
            following.cancel()
            await asyncio.wait({following}, timeout=5)
            bar.close()
            print(msg.batch_detached(batch_id, str(output)), file=sys.stderr)
            return DETACHED
        report = following.result()
    finally:
        bar.close()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
        await queue.close()
        await store.close()
    write_atomically(output, results_csv_bytes(batch, report))
    print_summary(report, batch, output)
    return 1 if report.metrics.get("status") == "cancelled" else 0


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    """`replycrew batch status ID`: where a queued batch stands (0 done, 3 still running, 1 else)."""
    if not settings.redis_dsn:
        print(msg.batch_needs_redis("status"), file=sys.stderr)
        return 2

    async def read() -> int:
        from engine.batch.record import BatchRecord
        from engine.cache.store import open_store

        store = open_store(settings)
        try:
            record = BatchRecord(store, args.batch_id)
            meta = await record.meta()
            counts = await record.counts()
        finally:
            await store.close()
        print(msg.batch_status_line(args.batch_id, status=meta.status, done=counts.done,
                                    failed=counts.failed, total=meta.total))
        return {"done": 0, "running": 3}.get(meta.status, 1)

    try:
        return asyncio.run(read())
    except ReplycrewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def results_command(args: argparse.Namespace, settings: Settings) -> int:
    """`replycrew batch results ID -o OUT.csv`: the results as they stand (rows not run say so)."""
    if not settings.redis_dsn:
        print(msg.batch_needs_redis("results"), file=sys.stderr)
        return 2
    if not args.output:
        print("error: say where to write the results: replycrew batch results ID -o OUT.csv",
              file=sys.stderr)
        return 2

    async def read() -> int:
        from bot.cli.output import write_atomically
        from engine.batch.csv_io import read_batch_csv, results_csv_bytes, results_csv_for_rows
        from engine.batch.record import BatchRecord
        from engine.cache.store import open_store

        store = open_store(settings)
        try:
            record = BatchRecord(store, args.batch_id)
            report = await record.report()
            source = await record.source()
        finally:
            await store.close()
        if source is None:
            data = results_csv_for_rows(report)
        else:  # the file passed the limits when it was submitted; today's limits must not strand it
            data = results_csv_bytes(read_batch_csv(source, max_rows=10**9, max_bytes=10**12), report)
        write_atomically(Path(args.output), data)
        status = report.metrics.get("status")
        print(msg.batch_status_line(args.batch_id, status=str(status),
                                    done=report.successful_requests + report.failed_requests,
                                    failed=report.failed_requests, total=report.total_requests))
        return 0 if status == "done" else 3

    try:
        return asyncio.run(read())
    except ReplycrewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
