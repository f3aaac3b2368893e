"""Templates: drafts for common scenarios in milliseconds, never leaking a placeholder.

    loader.py     template files (YAML front matter + Jinja2 body), built-in and TEMPLATES_DIR
    variables.py  prospect name, company, round, dates, numbers... from the request and thread
                  (the thread is read by engine/text)
    library.py    Templates: the engine's TemplateDrafter (select, fill, render, guard, polish)
    check.py      `replycrew templates check`
    messages.py   every note a user sees from this package

Every draft passes the leak guard (engine/guard.py). library.py implements the
`TemplateDrafter` protocol of engine/protocols.py, so templates never import the workflow
(the POST /run-template fast path, engine/fastpath.py, runs them on an `Engine`).
"""

from __future__ import annotations

__all__: list[str] = []
