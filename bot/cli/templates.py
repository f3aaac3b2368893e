"""`replycrew templates list|check`: see and validate the built-in and TEMPLATES_DIR templates."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.commands import Subcommands
from bot.settings import Settings

__all__ = ["add_templates_command"]


def _templates_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.dir) if args.dir else Settings().templates_dir


def _list(args: argparse.Namespace) -> int:
    from engine.templates.loader import load_templates

    templates, errors = load_templates(_templates_dir(args))
    rows = [{"id": t.id, "origin": t.origin, "intents": t.meta.intents, "channels": t.meta.channels,
             "required": t.meta.required, "scenario": t.meta.scenario}
            for t in sorted(templates.values(), key=lambda t: t.id)]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'id':<34} {'origin':<8} {'channels':<22} {'intents'}")
        for row in rows:
            print(f"{row['id']:<34} {row['origin']:<8} {','.join(row['channels']):<22} {','.join(row['intents'])}")
    for error in errors:
        print(f"not loaded: {error.path}: {error.message} (run `replycrew templates check`)")
    return 0


def _check(args: argparse.Namespace) -> int:
    from engine.templates.check import check_templates

    reports = check_templates(_templates_dir(args))
    broken = [r for r in reports if not r.ok]
    for report in reports:
        if report.ok and not args.quiet:
            print(f"ok      {report.template_id} ({report.origin})")
        for problem in report.problems:
            print(f"BROKEN  {report.template_id} ({report.path}): {problem}")
    summary: dict[str, Any] = {"templates": len(reports), "broken": len(broken)}
    print(f"{summary['templates']} templates checked, {summary['broken']} broken"
          + ("; fix the files above (TEMPLATES_DIR overrides by file name)" if broken else ""))
    return 1 if broken else 0


def add_templates_command(commands: Subcommands) -> None:
    """Register `replycrew templates list|check` on the CLI's subcommands."""
    templates = commands.add_parser("templates", help="list or check the reply templates")
    actions = templates.add_subparsers(dest="templates_command", required=True)
    listing = actions.add_parser("list", help="show every template (built-in and TEMPLATES_DIR)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument("--dir", help="a templates directory (default: TEMPLATES_DIR)")
    listing.set_defaults(func=_list)
    check = actions.add_parser("check", help="validate and render every template; exit 1 if one is broken")
    check.add_argument("--dir", help="a templates directory (default: TEMPLATES_DIR)")
    check.add_argument("--quiet", action="store_true", help="print only broken templates and the summary")
    check.set_defaults(func=_check)
