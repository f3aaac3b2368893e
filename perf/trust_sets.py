"""The three sets the trust benchmark and the trainers agree on: samples split by group, and our own.

- `tuning`: half of ../shared/samples/threads.jsonl, chosen by situation (`dNN`), with each hard
  negative (`dNN-n1`) kept beside its anchor's situation. Thresholds are chosen here; the trainers may
  learn from it.
- `held`: the other half. Never trained or tuned on.
- `new`: perf/data/held_new.jsonl, 64 threads written for this benchmark before any tuning (new
  products, tones and channels; a hard negative of every kind). Never trained or tuned on.
- `fresh`: perf/data/held_fresh.jsonl, 64 threads written by someone who had not seen the models, their
  training data or the other sets, and committed before the first measurement on it (non-software
  industries, terse/formal/non-native/emoji tones, quoted mail, short replies that need the rep's
  question). Never trained or tuned on; measured once.
- `blind`: perf/data/held_blind.jsonl, 72 threads in 18 situations written in the third session by
  someone who saw neither the models, their training data nor the other sets, committed before any
  model of that session was trained (dental, construction estimating, insurance, restaurant POS,
  admissions, telematics, translation, hotels, mining safety, nonprofit payroll …; 2–5 message threads,
  forwarded mail, mixed language, decisive sentence mid-reply). Never trained or tuned on; measured once.

- `blind3`: perf/data/held_blind3.jsonl, 110 threads in 22 situations (44 hard negatives of all 12 kinds)
  written at the start of the fifth session by two writers who read only the samples' README, committed
  before any model of that session was trained (freight forwarding, veterinary hospitals, mining safety,
  film production, airport ground handling, microbreweries, offshore wind, ski resorts …). Not in the
  default `SETS`: asked for by name (`--sets blind3`), measured once before and once after that session.
- `blind4`: perf/data/held_blind4.jsonl, 110 threads in 22 situations, written a little later in the fifth
  session the same way by two more writers (beekeeping, harbour pilots, tattoo studios, ambulance
  dispatch, dialysis centres, timber mills, vending machines …; at least 8 hard negatives that flip
  declining and going ahead). Asked for by name, measured once before and once after that session.
- `blind5`, `blind6`: perf/data/held_blind5.jsonl and held_blind6.jsonl, 110 threads each in 22 situations,
  written at the start of the sixth session the same way by four more writers, committed before any model
  of that session was trained (blind5: logistics, veterinary clinics, law firms, esports, wine distribution,
  airports …, long mails with the decision mid-mail or in a P.S.; blind6: city governments, orthodontics,
  solar installers, ski resorts, semiconductor fabs …, facts written differently, forwarded and
  mixed-language mail, warm declines and grumpy go-aheads). Asked for by name, measured once before and
  once after that session.
- `blind7`: perf/data/held_blind7.jsonl (e01–e22), 110 threads in 22 situations, written at the start of
  the seventh session the same way by two more writers, committed before any model of that session was
  trained (agricultural co-ops, museums, shipping brokers, dental labs, ferry operators, seed companies,
  theatre ticketing …; latest replies that lean on earlier messages, texting style and non-native
  English; procurement mails with numbered points, phone-typed fragments, answers to two questions at
  once). Asked for by name, measured once before and once after that session.

- `written:<series>` (e.g. `written:wxs`): the written training threads of those series (the first letter
  of their ids) from scripts/data/pairs_written.jsonl. Out of sample only for weights trained without
  them: session 5 used it to score session 4's shipped weights on the seven series written after them.

The fourth session's blind set (`blind2`, z01–z22) was measured once before and once after that session
and is training data since (scripts/data/pairs_written.jsonl).

The split is fixed: the 25 situations sorted, shuffled with random.Random(SPLIT_SEED), the first 13
are `tuning`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from engine.meaning.intent import DECLINE, GO_AHEAD

__all__ = ["DECLINE", "GO_AHEAD", "SETS", "SPLIT_SEED", "load_set", "situation", "tuning_situations"]

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "threads.jsonl"
NEW = ROOT / "perf" / "data" / "held_new.jsonl"
FRESH = ROOT / "perf" / "data" / "held_fresh.jsonl"
BLIND = ROOT / "perf" / "data" / "held_blind.jsonl"
WRITTEN = ROOT / "scripts" / "data" / "pairs_written.jsonl"
# The blind sets asked for by name: each measured once before and once after the session that wrote it.
BLIND_BY_NAME = {name: ROOT / "perf" / "data" / f"held_{name}.jsonl"
                 for name in ("blind3", "blind4", "blind5", "blind6", "blind7")}
SPLIT_SEED = 12
SETS = ("tuning", "held", "new", "fresh", "blind")


def situation(group: str) -> str:
    """`d07-n1` -> `d07`: a hard negative travels with its anchor's situation."""
    return group.split("-", 1)[0]


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def tuning_situations(rows: list[dict[str, Any]]) -> set[str]:
    """The situations of the tuning half."""
    situations = sorted({situation(row["group"]) for row in rows})
    random.Random(SPLIT_SEED).shuffle(situations)
    return set(situations[: (len(situations) + 1) // 2])


def load_set(name: str, *, samples: Path = SAMPLES) -> list[dict[str, Any]]:
    """The labelled rows of one set, in file order."""
    if name == "new":
        return _read(NEW)
    if name == "fresh":
        return _read(FRESH)
    if name == "blind":
        return _read(BLIND)
    if name in BLIND_BY_NAME:
        return _read(BLIND_BY_NAME[name])
    if name.startswith("written:"):
        series = set(name.removeprefix("written:"))
        return [row for row in _read(WRITTEN) if row["id"][0] in series]
    rows = _read(samples)
    tuning = tuning_situations(rows)
    return [row for row in rows if (situation(row["group"]) in tuning) == (name == "tuning")]
