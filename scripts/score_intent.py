"""Score the shipped intent model on labelled threads it was not trained on (before training on them).

    .venv/bin/python scripts/score_intent.py FILE.jsonl [FILE.jsonl ...] [--memo FILE] [--weights NPZ]

Each FILE is in the pairs_written format (one JSON object a line with `thread` and `intent`). Prints
accuracy, decline <-> go-ahead flips and `general` readings per file, read exactly as the engine reads
(engine/meaning/intent.py on the engine's encoding). Never point it at perf/data/* or the held half:
those are measured by perf/bench_trust.py only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from memo_embedder import MemoEmbedder  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.meaning.encoding import encode_views, view_of  # noqa: E402
from engine.meaning.intent import DECLINE, GO_AHEAD, IntentModel  # noqa: E402


def main() -> None:
    args = sys.argv[1:]
    options: dict[str, Path] = {}
    for flag in ("--memo", "--weights"):
        if flag in args:
            at = args.index(flag)
            options[flag] = Path(args[at + 1])
            del args[at:at + 2]
    memo = options.get("--memo")
    model = IntentModel.load(options["--weights"]) if "--weights" in options else IntentModel.load()
    print(f"{'file':28} {'threads':>7} {'accuracy':>9} {'flips':>6} {'general':>8}")
    for name in args:
        rows = [json.loads(line) for line in Path(name).read_text("utf-8").splitlines() if line.strip()]
        encoded = encode_views(MemoEmbedder(memo), [view_of(row["thread"]) for row in rows])  # type: ignore[arg-type]
        said = [model.read(e).intent for e in encoded]
        want = [row["intent"] for row in rows]
        right = sum(s == w for s, w in zip(said, want, strict=True))
        flips = sum((w in DECLINE and s in GO_AHEAD) or (w in GO_AHEAD and s in DECLINE)
                    for s, w in zip(said, want, strict=True))
        general = said.count("general")
        print(f"{Path(name).name:28} {len(rows):>7} {right / len(rows):>9.3f} {flips:>6} {general:>8}")


if __name__ == "__main__":
    main()
