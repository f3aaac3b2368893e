"""`replycrew cache replay FILE.jsonl`: one JSON line per input, labels ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main
from engine.cache.embedder import Embedder
from tests.conftest import SAMPLES

IDS = ["d18-a", "d18-p1", "d18-n1", "d11-a", "d11-p2", "d11-n1"]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def replay_lines(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    assert main(["cache", "replay", str(path), "--threshold", "0.6"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_replay_prints_one_decision_per_input_and_ignores_labels(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], embedder: Embedder) -> None:
    rows = {r["id"]: r for r in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}
    picked = [rows[i] for i in IDS]
    plain = write(tmp_path / "plain.jsonl", [{"id": r["id"], "channel": r["channel"], "thread": r["thread"]}
                                             for r in picked])
    # Same threads with misleading labels: every row claims the same group and intent.
    lying = write(tmp_path / "lying.jsonl", [{**r, "group": "d18", "intent": "asks_pricing",
                                              "role": "paraphrase"} for r in picked])
    first, second = replay_lines(capsys, plain), replay_lines(capsys, lying)
    assert [line["id"] for line in first] == IDS
    for line in first:
        assert set(line) == {"id", "decision", "check", "matched_id", "similarity", "reason", "lookup_ms"}
        assert line["decision"] in ("hit", "miss", "guard_rejected")
    assert first[0]["decision"] == "miss" and first[0]["matched_id"] is None and first[0]["check"] == "empty"
    assert first[1] | {"lookup_ms": 0} == {**first[1], "decision": "hit", "check": "hit", "matched_id": "d18-a",
                                           "lookup_ms": 0}
    # Each line says which check decided: d18-n1 names another product; ISO 27001 is not SOC 2.
    assert (first[2]["decision"], first[2]["check"]) == ("guard_rejected", "facts:entities")
    assert (first[5]["decision"], first[5]["check"]) == ("guard_rejected", "facts:standards")
    strip = [{k: v for k, v in line.items() if k != "lookup_ms"} for line in first]
    assert strip == [{k: v for k, v in line.items() if k != "lookup_ms"} for line in second]


def test_replay_names_a_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "thread": "hello"}\nnot json\n', encoding="utf-8")
    assert main(["cache", "replay", str(path)]) == 2
    assert "line 2" in capsys.readouterr().err
