"""Templates: drafts for common scenarios in milliseconds, never leaking a placeholder.

    loader.py     template files (YAML front matter + Jinja2 body), built-in and TEMPLATES_DIR
    variables.py  prospect name, company, round, dates, numbers... from the request and thread
    library.py    Templates: the engine's TemplateDrafter (select, fill, render, guard, polish)
    guard.py      the leak guard every draft passes, templated or not
    runner.py     the POST /run-template fast path
    check.py      `replycrew templates check`
    messages.py   every note a user sees from this package

Import from the modules: the workflow imports guard.py, and library.py imports the workflow.
"""

from __future__ import annotations

__all__: list[str] = []
