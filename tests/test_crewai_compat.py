"""crewai's private names live in engine/steps/crew/compat.py; with them forced off, drafts still come back whole.

`REPLYCREW_CREWAI_PUBLIC_ONLY=1` is compat's own switch (as if every private name had moved in a
crewai release): each feature takes crewai's public path (its flow executor, its replay log, its
event handlers, no token counters).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from engine.steps.crew import compat


def test_the_pinned_crewai_has_every_private_name() -> None:
    import crewai

    report = compat.check()
    assert report.ok, report.fallbacks
    assert report.version == crewai.__version__
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    pinned = re.search(r'"crewai==([0-9.]+)"', pyproject)
    assert pinned and pinned.group(1) == crewai.__version__  # pinned exactly, to what compat was checked on


ROOT = Path(__file__).resolve().parents[1]


async def test_forced_fallback_drafts_whole_through_crewais_public_path(data_dir: Path) -> None:
    # In a process of its own: compat's choice is made once per process, and crewai's handlers that
    # the fallback keeps registered outlive a test.
    env = {**os.environ, "REPLYCREW_CREWAI_PUBLIC_ONLY": "1", "DATA_DIR": str(data_dir)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.compat_fallback_run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=100)
    assert proc.returncode == 0, err.decode()[-3000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["forced"] is True
    assert seen["fallbacks"] == ["event_bus", "single_answer_executor", "task_log", "token_usage"]
    assert seen["executor"] is None
    assert seen["errors"] == [] and seen["degraded"] is False
    assert seen["sources"] == ["llm", "llm", "llm"]
    assert seen["schemas"] == ["ProspectProfile", "ReplyText", "ThreadAnalysis"]
    assert seen["outside"] == []  # loopback only, as every test
