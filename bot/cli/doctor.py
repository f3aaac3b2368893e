"""`replycrew doctor`: checks the configuration (LLM, store, Slack) and prints what works and what to fix."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bot.settings import Settings

__all__ = ["add_doctor_command"]


def _doctor(args: argparse.Namespace) -> int:
    from bot.health import run_checks

    checks = asyncio.run(run_checks(Settings()))
    if args.json:
        print(json.dumps([check.as_dict() for check in checks], indent=2))
    else:
        for check in checks:
            print(f"{'ok  ' if check.ok else 'FAIL'} {check.name:<7} {check.detail}")
            if check.fix and not check.ok:
                print(f"     {'':<7} fix: {check.fix}")
    return 0 if all(check.ok for check in checks) else 1


def add_doctor_command(commands: Any) -> None:
    """Register `replycrew doctor` on the CLI's subcommands."""
    doctor = commands.add_parser("doctor", help="check the LLM, the store and Slack; print what to fix")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.set_defaults(func=_doctor)
