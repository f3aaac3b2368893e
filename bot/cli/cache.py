"""`replycrew cache replay FILE.jsonl`: how the semantic cache would decide on a file of threads."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli.commands import Subcommands
from bot.settings import Settings
from engine.errors import ReplycrewError

__all__ = ["add_cache_command"]


def _replay(args: argparse.Namespace) -> int:
    from engine.cache.replay import read_jsonl, replay

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} does not exist; give a JSONL file with id, channel and thread per line",
              file=sys.stderr)
        return 2
    try:
        items = read_jsonl(path)
    except ReplycrewError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    settings = Settings()
    threshold = args.threshold if args.threshold is not None else settings.semantic_similarity_threshold
    verifier = args.verifier_threshold if args.verifier_threshold is not None else \
        settings.semantic_verifier_threshold

    async def run() -> None:
        async for line in replay(items, threshold=threshold, verifier_threshold=verifier):
            print(json.dumps(line), flush=True)

    asyncio.run(run())
    return 0


def add_cache_command(commands: Subcommands) -> None:
    """Register `cache replay`."""
    cache = commands.add_parser("cache", help="inspect the caches")
    actions = cache.add_subparsers(dest="cache_command", required=True)
    replay = actions.add_parser(
        "replay", help="replay a JSONL file of threads through the semantic analysis cache",
        description="Looks up, then stores, each thread in file order in a fresh temporary store "
                    "(one scope) and prints one JSON line per input: id, decision (hit, miss, "
                    "guard_rejected), matched_id, similarity, reason, lookup_ms. Only id, channel and thread "
                    "are read; labels are ignored.")
    replay.add_argument("file", help="JSONL: one {id, channel, thread} object per line")
    replay.add_argument("--threshold", type=float, default=None,
                        help="cosine threshold (default: SEMANTIC_SIMILARITY_THRESHOLD)")
    replay.add_argument("--verifier-threshold", type=float, default=None,
                        help="verifier threshold (default: SEMANTIC_VERIFIER_THRESHOLD, else the trained one)")
    replay.set_defaults(func=_replay)
