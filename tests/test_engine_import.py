"""`import engine` is the front door: it exports the engine's API and changes nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, os, sys
before = dict(os.environ)
import engine
print(json.dumps({
    "changed": sorted(k for k in set(os.environ) | set(before) if os.environ.get(k) != before.get(k)),
    "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("crewai", "torch", "sentence_transformers",
                                                                   "transformers")),
}))
"""


def test_importing_engine_sets_no_environment_and_loads_no_model_or_crewai() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}  # none of the CREWAI_*/HF_* switches set
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"changed": [], "heavy": []}


def test_the_front_door_exports_the_engine_api() -> None:
    assert {"Engine", "build_engine", "DraftRequest", "Result", "ReplycrewError", "InvalidRequest"} <= set(
        engine.__all__)
    assert all(hasattr(engine, name) for name in engine.__all__)


def test_crew_modules_set_crewai_switches_before_crewai_loads() -> None:
    probe = ("import os, sys\nimport engine.steps.crew.env\n"
             "print(os.environ['CREWAI_DISABLE_TELEMETRY'], os.environ['OTEL_SDK_DISABLED'], 'crewai' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["true", "true", "False"]
