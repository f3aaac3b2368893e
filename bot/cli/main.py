"""The `replycrew` command: serve, worker, draft, batch, cache replay, templates, doctor."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.cli.batch import add_batch_command
from bot.cli.cache import add_cache_command
from bot.cli.doctor import add_doctor_command
from bot.cli.templates import add_templates_command
from bot.cli.worker import add_worker_command
from bot.settings import Settings
from engine.errors import ReplycrewError
from engine.models import DraftRequest, Result, describe_validation_error

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.socket:
        if args.workers not in (None, 1):
            print("error: --workers needs HTTP; Socket Mode keeps one connection per app",
                  file=sys.stderr)
            return 2
        from bot.socket_mode import run_socket_mode

        return run_socket_mode(settings)
    from bot.processes import CHILD_ENV, start_children, stop_children, watch_parent
    from bot.server import run_server

    workers = args.workers or 1
    if workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    children = []
    if os.environ.get(CHILD_ENV):
        watch_parent()
    elif workers > 1:
        children = start_children(workers - 1, ["serve", "--workers", str(workers)])
    try:
        run_server(settings, reuse_port=workers > 1)
    finally:
        stop_children(children)
    return 0


def _read_input(file: str | None) -> str:
    """The thread or JSON to draft from: a file (any common encoding) or stdin."""
    from engine.batch.csv_io import decode_csv_bytes

    if file in (None, "-"):
        if sys.stdin.isatty():
            print("Paste the thread, then press Ctrl-D:", file=sys.stderr)
        return decode_csv_bytes(sys.stdin.buffer.read())[0]
    with open(file, "rb") as handle:  # OSError is reported by _draft
        return decode_csv_bytes(handle.read())[0]


def _read_request(args: argparse.Namespace) -> DraftRequest:
    raw = _read_input(args.file)
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        body = {"conversation_thread": raw}  # a plain pasted thread
    body.setdefault("channel", args.channel)
    body.setdefault("mode", args.mode)
    if args.template:
        body["use_templates"] = True
    return DraftRequest.model_validate(body)


def _print_result(result: Result) -> None:
    if result.draft.subject:
        print(f"Subject: {result.draft.subject}\n")
    print(result.draft.text)
    print()
    print(f"{'step':<10} {'status':<8} {'source':<16} {'ms':>7}")
    for step in result.steps:
        source = str(step.source or "-")
        if step.similarity is not None:
            source = f"{source} {step.similarity:.2f}"
        print(f"{step.name:<10} {step.status:<8} {source:<16} {step.elapsed_ms:>7}")
    print(f"{'total':<10} {'':<8} {result.mode:<16} {result.total_ms:>7}")
    for step in result.steps:
        if step.status == "failed" and step.error:
            print(f"{step.name} failed: {step.error}")
    for note in result.notes:
        print(f"note: {note}")
    if result.offline:
        print("offline mode: no LLM key is set, so this draft comes from heuristics and templates.")


def _draft(args: argparse.Namespace) -> int:
    from engine.build import build_engine

    try:
        request = _read_request(args)
    except ValidationError as exc:
        print(f"error: {describe_validation_error(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    settings = Settings()

    async def run() -> Result:
        engine = build_engine(settings)
        try:
            return await engine.run(request, scope="cli:local")
        finally:
            await engine.store.close()

    try:
        result = asyncio.run(run())
    except KeyboardInterrupt:
        return 130
    except ReplycrewError as exc:  # e.g. the store is unreachable: say so, no stack trace
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_result(result)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replycrew", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server (Slack events + REST API)")
    serve.add_argument("--socket", action="store_true", help="use Slack Socket Mode (SLACK_APP_TOKEN)")
    serve.add_argument("--workers", type=int, default=None, metavar="N",
                       help="serving processes sharing the port (SO_REUSEPORT), e.g. one per core "
                            "(`nproc`); default 1")
    serve.set_defaults(func=_serve)

    draft = commands.add_parser("draft", help="draft a reply to a thread (a file, or - for stdin)")
    draft.add_argument("file", nargs="?", default="-",
                       help="a pasted thread, or a JSON DraftRequest; - reads stdin")
    draft.add_argument("--channel", default="linkedin", help="linkedin, email, slack or other")
    draft.add_argument("--mode", default="parallel", choices=["sequential", "parallel", "fast"])
    draft.add_argument("--template", action="store_true", help="draft from a template when one fits")
    draft.set_defaults(func=_draft)

    add_batch_command(commands)
    add_templates_command(commands)
    add_cache_command(commands)
    add_doctor_command(commands)
    add_worker_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `replycrew` console script."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("saq").setLevel(logging.WARNING)  # saq logs every enqueue and job at INFO
    args = _parser().parse_args(argv)
    return int(args.func(args))

