"""The intent model's training rows, with the group each belongs to (for grouped cross-validation).

Sources (never the held half, perf/data/*, or any blind set):
  - scripts/data/intent_examples.txt    `intent | rep's message | prospect's message`, one group each
  - scripts/data/intent_contrasts.txt   `group | intent | rep's message | prospect's message`: contrast
                                        pairs (one change flips the meaning) share a group
  - scripts/data/pairs_written*.jsonl   labelled threads (id, group, role, intent, thread) written for
                                        training (by several writers, one file each); a hard negative
                                        travels with its anchor's situation
  - the tuning half of the shared samples (perf/trust_sets.py), grouped by situation

A group never straddles two folds, so a hard negative and its anchor are always read out of fold
together: the cross-validated numbers say how the model does on situations it never saw.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.meaning.encoding import View, view_of  # noqa: E402
from perf.trust_sets import load_set, situation  # noqa: E402

__all__ = ["ALWAYS_IN", "DATA", "Row", "fold_of", "read_table", "series_of", "training_rows"]

DATA = ROOT / "scripts" / "data"
# Sources that are no writer's series: always in training, never left out as an unseen writer.
ALWAYS_IN = frozenset({"examples", "contrasts", "tuning"})


@dataclass(frozen=True)
class Row:
    """One labelled message: what the model sees, the label, its group and where it came from."""

    view: View
    intent: str
    group: str
    source: str


def read_table(path: Path, columns: int) -> list[list[str]]:
    """`|`-separated rows; `#` lines and blank lines are comments."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            parts = [part.strip() for part in line.split("|", columns - 1)]
            if len(parts) != columns:
                raise SystemExit(f"{path}: expected {columns} columns: {line!r}")
            rows.append(parts)
    return rows


def _threads(path: Path, prefix: str) -> list[Row]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    # The source names the writer's series (`t001`, `u001`, `v001` ...: pairs_t, pairs_u ...), so the
    # tables say how each writer's threads are read.
    return [Row(view=view_of(row["thread"]), intent=row["intent"], group=f"{prefix}:{situation(row['group'])}",
                source=f"{prefix}_{row['id'][:1]}") for row in rows]


def training_rows(*, data: Path = DATA, tuning: bool = True) -> list[Row]:
    """Every training row, in a fixed order."""
    rows = [Row(view=View(text=text, context=context), intent=intent, group=f"ex:{i}", source="examples")
            for i, (intent, context, text) in enumerate(read_table(data / "intent_examples.txt", 3))]
    contrasts = data / "intent_contrasts.txt"
    if contrasts.exists():
        rows += [Row(view=View(text=text, context=context), intent=intent, group=f"cx:{group}", source="contrasts")
                 for group, intent, context, text in read_table(contrasts, 4)]
    # pairs_written.jsonl is source `pairs`, pairs_written_u.jsonl `pairs_u`, ...: situations are
    # numbered per file, so the source is part of the group.
    for path in sorted(data.glob("pairs_written*.jsonl")):
        rows += _threads(path, "pairs" + path.stem.removeprefix("pairs_written"))
    if tuning:
        rows += [Row(view=view_of(row["thread"]), intent=row["intent"], group=f"tuning:{situation(row['group'])}",
                     source="tuning") for row in load_set("tuning")]
    return rows


def series_of(source: str) -> str:
    """The writer's series of a row's source (`pairs_t` -> `t`), or "" for the sources always trained on."""
    return "" if source in ALWAYS_IN else source.rsplit("_", 1)[-1]


def fold_of(groups: list[str], *, folds: int, seed: int) -> list[int]:
    """A fold per row: the sorted groups shuffled with a seeded RNG, dealt round-robin."""
    import random

    names = sorted(set(groups))
    random.Random(seed).shuffle(names)
    fold = {name: i % folds for i, name in enumerate(names)}
    return [fold[group] for group in groups]
