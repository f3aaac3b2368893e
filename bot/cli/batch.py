"""`replycrew batch IN.csv -o OUT.csv`: a CSV of prospects in, a CSV of drafts out, with a progress bar.

With REDIS_URL the rows go to the queue and `replycrew worker`s draft them (this command needs no
LLM key; Ctrl-C detaches, `replycrew batch status ID` / `results ID -o OUT.csv` follow up: see
bot/cli/batch_queue.py); without it, or with `--local`, they run in this process. Re-running the
same command resumes the batch (the batch id is derived from the file and options); `--fresh`
starts over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.commands import Subcommands
from bot.cli.output import print_summary, write_atomically
from engine.errors import BatchRejected, ReplycrewError

if TYPE_CHECKING:  # the heavy imports wait until the command runs, so `--help` stays instant
    from bot.settings import Settings
    from engine.batch.csv_io import BatchCsv
    from engine.batch.runner import BatchRunner

__all__ = ["add_batch_command", "batch_command", "batch_id_for", "size_default_executor"]

SCOPE = "cli:local"


def add_batch_command(commands: Subcommands) -> None:
    """Register `batch` on the CLI's subcommands."""
    batch = commands.add_parser(
        "batch", help="draft a reply for every row of a CSV (columns as in samples/batch.csv); "
                      "`batch status ID` and `batch results ID -o OUT.csv` follow a queued batch")
    batch.add_argument("input", metavar="IN.csv", help="the CSV of prospects and threads "
                                                       "(or `status` / `results`, then a batch id)")
    batch.add_argument("batch_id", nargs="?", metavar="ID", help=argparse.SUPPRESS)
    batch.add_argument("-o", "--output", metavar="OUT.csv",
                       help="where to write the results CSV (default: IN.drafts.csv)")
    batch.add_argument("--concurrency", type=int, default=10, metavar="N",
                       help="rows drafted at once (default 10; capped by MAX_CONCURRENT_REQUESTS)")
    batch.add_argument("--mode", default="parallel", choices=["sequential", "parallel", "fast"])
    batch.add_argument("--template", action="store_true", help="draft from templates when one fits")
    batch.add_argument("--fresh", action="store_true",
                       help="ignore checkpoints of an earlier, unfinished run of this file")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--local", action="store_true",
                       help="draft in this process even when REDIS_URL is set (needs the LLM settings)")
    batch.set_defaults(func=batch_command)


def batch_id_for(data: bytes, defaults: dict[str, Any]) -> str:
    """The batch id of a file and its options: the same command twice means the same batch."""
    digest = hashlib.sha256(data + repr(sorted(defaults.items())).encode()).hexdigest()[:16]
    return f"cli_{digest}"


def batch_command(args: argparse.Namespace) -> int:
    """Run the batch command; exit 0 when every row ran, 1 when cancelled, 2 for unusable input."""
    from bot.cli.batch_queue import queued_batch, results_command, status_command
    from bot.settings import Settings
    from engine.batch.csv_io import read_batch_csv

    if args.input in ("status", "results") and args.batch_id and not Path(args.input).exists():
        follow_up = status_command if args.input == "status" else results_command
        return follow_up(args, Settings())
    if args.batch_id:
        print(f"error: unexpected argument {args.batch_id!r}; the command is `replycrew batch IN.csv "
              "-o OUT.csv`", file=sys.stderr)
        return 2
    source = Path(args.input)
    output = Path(args.output) if args.output else source.with_suffix(".drafts.csv")
    if args.concurrency < 1:
        print("error: --concurrency must be at least 1", file=sys.stderr)
        return 2
    try:
        data = source.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    settings = Settings()
    defaults = {"mode": args.mode, "use_templates": bool(args.template)}
    try:
        batch = read_batch_csv(data, max_rows=settings.max_batch_rows,
                               max_bytes=settings.max_batch_bytes, defaults=defaults)
    except BatchRejected as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    batch_id = batch_id_for(data, defaults)
    if settings.redis_dsn and not args.local:
        return queued_batch(args, settings, batch, data=data, output=output, batch_id=batch_id)
    try:
        return asyncio.run(_run(args, settings, batch, output, batch_id=batch_id))
    except KeyboardInterrupt:
        print("\ninterrupted: finished rows are checkpointed; run the same command to resume.",
              file=sys.stderr)
        return 130
    except ReplycrewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, settings: Settings, batch: BatchCsv, output: Path, *,
               batch_id: str) -> int:
    from tqdm import tqdm

    from engine.batch.csv_io import results_csv_bytes
    from engine.batch.runner import BatchProgress, BatchRunner
    from engine.build import build_engine
    from engine.migrate import migrate_store

    engine = build_engine(settings)
    await migrate_store(engine.store)  # checkpoints of the previous release resume too
    size_default_executor(min(args.concurrency, settings.max_concurrent_requests))
    bar = tqdm(total=len(batch.rows), unit="row", file=sys.stderr, disable=args.no_progress,
               dynamic_ncols=True)

    def on_progress(progress: BatchProgress) -> None:
        bar.set_postfix(failed=progress.failed, refresh=False)
        bar.update(progress.done - bar.n)  # tqdm throttles the redraws itself

    runner = BatchRunner(engine, batch_id=batch_id, on_progress=on_progress)
    status = await runner.status()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, _cancel_once, loop, runner)
    try:
        if status in ("running", "cancelled") and not args.fresh:
            done = await runner.finished_count()
            bar.write(f"resuming batch {batch_id}: {done} of {len(batch.rows)} rows were finished "
                      "by an earlier run and are kept", file=sys.stderr)
            report = await runner.resume()
        else:
            await runner.forget()
            report = await runner.run(batch.items, scope=SCOPE,
                                      max_concurrent=args.concurrency)
    finally:
        bar.close()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
        await engine.store.close()
    write_atomically(output, results_csv_bytes(batch, report))
    print_summary(report, batch, output)
    return 1 if report.metrics.get("status") == "cancelled" else 0


def size_default_executor(concurrency: int) -> None:
    """Give the running loop's default executor a thread per LLM call that may be in flight."""
    # crewai runs each flow step, the blocking LLM call included, through asyncio.to_thread: with
    # the default executor (min(32, CPUs + 4) threads: 6 here) 50 concurrent rows get ~6 LLM calls
    # in flight and a batch runs ~8x slower than its concurrency promises.
    workers = 3 * concurrency + 4  # three steps per row can wait on the LLM at once (fast mode)
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="replycrew-llm"))


def _cancel_once(loop: asyncio.AbstractEventLoop, runner: BatchRunner) -> None:
    # First Ctrl-C: finish the rows in flight and write what is done; a second one stops at once.
    runner.cancel()
    loop.remove_signal_handler(signal.SIGINT)
    print("\ncancelling: finishing the rows in flight (Ctrl-C again to stop now)", file=sys.stderr)
