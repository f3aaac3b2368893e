"""`replycrew templates check`: load, compile and render every template, and guard what it renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from engine.guard import GuardContext, find_leaks, name_words
from engine.templates.loader import Template, load_templates, render
from engine.templates.variables import ALWAYS_SET, SAMPLE_VARIABLES

__all__ = ["CheckReport", "check_template", "check_templates"]


@dataclass(frozen=True)
class CheckReport:
    """One template file's verdict."""

    path: Path
    template_id: str
    origin: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_template(template: Template) -> list[str]:
    """Problems found rendering `template` with every sample variable, then with only the required ones."""
    problems: list[str] = []
    allowed = name_words(SAMPLE_VARIABLES.values())
    minimal = {name: SAMPLE_VARIABLES[name] for name in (*template.meta.required, *ALWAYS_SET)}
    for label, variables in (("sample variables", SAMPLE_VARIABLES), ("required variables only", minimal)):
        for channel in template.meta.channels:
            try:
                draft = render(template, variables, channel=channel)
            except (jinja2.TemplateError, ValueError, TypeError) as exc:
                problems.append(f"render ({label}, {channel}) failed: {exc}")
                continue
            context = GuardContext(channel=channel, allowed_names=allowed, first_name="Mateus",
                                   max_chars=template.meta.max_chars)
            problems += [f"render ({label}, {channel}) leaks: {leak.describe()} in {leak.field}"
                         for leak in find_leaks(draft, context)]
    return problems


def check_templates(templates_dir: Path | None) -> list[CheckReport]:
    """A report per template file, built-in and TEMPLATES_DIR; broken files included."""
    templates, errors = load_templates(templates_dir)
    reports: dict[Path, CheckReport] = {}
    for error in errors:
        report = reports.setdefault(error.path, CheckReport(error.path, error.path.stem, "file"))
        report.problems.append(error.message)
    for template in templates.values():
        report = reports.setdefault(template.path, CheckReport(template.path, template.id, template.origin))
        report.problems.extend(check_template(template))
    # Built-ins that a TEMPLATES_DIR file overrides are not loaded; check them too, so both stay valid.
    if templates_dir is not None:
        builtins, _ = load_templates(None)
        for template_id, template in builtins.items():
            if template_id in templates and templates[template_id].origin == "custom":
                reports[template.path] = CheckReport(template.path, template.id, "builtin",
                                                     check_template(template))
    return sorted(reports.values(), key=lambda r: (r.origin != "builtin", r.template_id))
