"""Template files: YAML front matter plus a Jinja2 body, loaded from the built-ins and TEMPLATES_DIR.

A file `NAME.j2` looks like

    ---
    scenario: Reply to a pricing request
    intents: [asks_pricing]
    channels: [email]
    required: [first_name]
    optional: [number]
    fallbacks: [general_reply_email]
    subject: "Pricing{% if number %} for {{ number }}{% endif %}"
    ---
    Hi {{ first_name }}, ...

Its id is NAME; a file with the same name in TEMPLATES_DIR overrides the built-in one.
Bodies render in a sandbox with StrictUndefined; variables are data, never template source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jinja2
import yaml
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.models import Channel, Draft, Intent, describe_validation_error
from engine.templates.variables import ALWAYS_SET, KNOWN_VARIABLES

__all__ = [
    "BUILTIN_DIR",
    "LoadError",
    "Template",
    "TemplateMeta",
    "load_templates",
    "render",
]

BUILTIN_DIR = Path(__file__).with_name("builtin")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<meta>.*?)\n---[ \t]*\n(?P<body>.*)\Z", re.S)

# One environment for all templates: sandboxed (a template from TEMPLATES_DIR cannot reach
# Python internals), strict (a misspelt variable is an error, not an empty string).
_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                            lstrip_blocks=True, keep_trailing_newline=False,
                            finalize=lambda value: "" if value is None else value)


class TemplateMeta(BaseModel):
    """A template's front matter."""

    model_config = ConfigDict(extra="forbid")

    id: str
    scenario: str
    intents: list[Intent] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    required: list[str] = Field(default_factory=list)
    optional: list[str] = Field(default_factory=list)
    fallbacks: list[str] = Field(default_factory=list)
    subject: str | None = None
    max_chars: int | None = Field(default=None, gt=0)
    priority: int = 0

    @field_validator("required", "optional")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - KNOWN_VARIABLES)
        if unknown:
            raise ValueError(f"unknown variable(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_VARIABLES))}")
        return names

    @model_validator(mode="after")
    def _email_has_subject(self) -> TemplateMeta:
        if "email" in self.channels and not self.subject:
            raise ValueError("an email template needs a `subject`")
        return self


@dataclass(frozen=True)
class Template:
    """A loaded, compiled template."""

    meta: TemplateMeta
    path: Path
    origin: Literal["builtin", "custom"]
    body: jinja2.Template
    subject: jinja2.Template | None

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def declared(self) -> frozenset[str]:
        return frozenset(self.meta.required) | frozenset(self.meta.optional) | ALWAYS_SET


@dataclass(frozen=True)
class LoadError:
    """A template file that could not be loaded, and why."""

    path: Path
    message: str


def _compile(path: Path, origin: Literal["builtin", "custom"]) -> Template:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ValueError("no front matter: the file must start with a `---` YAML block closed by `---`")
    try:
        data = yaml.safe_load(match.group("meta")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("front matter must be a YAML mapping")
    data.setdefault("id", path.stem)
    if data["id"] != path.stem:
        raise ValueError(f"id {data['id']!r} must match the file name {path.stem!r}")
    try:
        template_meta = TemplateMeta.model_validate(data)
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from exc
    body_source = match.group("body")
    sources = {"body": body_source, "subject": template_meta.subject or ""}
    used: set[str] = set()
    for part, source in sources.items():
        try:
            used |= meta.find_undeclared_variables(_ENV.parse(source))
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"{part}: Jinja syntax error on line {exc.lineno}: {exc.message}") from exc
    declared = set(template_meta.required) | set(template_meta.optional) | ALWAYS_SET
    undeclared = sorted(used - declared)
    if undeclared:
        raise ValueError(f"uses variable(s) not declared in required/optional: {', '.join(undeclared)}")
    return Template(meta=template_meta, path=path, origin=origin, body=_ENV.from_string(body_source),
                    subject=_ENV.from_string(template_meta.subject) if template_meta.subject else None)


def load_templates(extra_dir: Path | None = None) -> tuple[dict[str, Template], list[LoadError]]:
    """Built-in templates overridden/extended by `extra_dir`; broken files are reported, not loaded."""
    templates: dict[str, Template] = {}
    errors: list[LoadError] = []
    sources: list[tuple[Path, Literal["builtin", "custom"]]] = [(BUILTIN_DIR, "builtin")]
    if extra_dir is not None:
        if not extra_dir.is_dir():
            errors.append(LoadError(extra_dir, "TEMPLATES_DIR is not a directory: create it or unset it"))
        else:
            sources.append((extra_dir, "custom"))
    for directory, origin in sources:
        for path in sorted(directory.glob("*.j2")):
            try:
                templates[path.stem] = _compile(path, origin)
            except (ValueError, OSError, UnicodeDecodeError) as exc:
                errors.append(LoadError(path, str(exc)))
                if origin == "custom":
                    # A broken override must not leave a half-working built-in in its place silently.
                    templates.pop(path.stem, None)
    for template in templates.values():
        missing = [name for name in template.meta.fallbacks if name not in templates]
        if missing:
            errors.append(LoadError(template.path, f"fallback(s) not found: {', '.join(missing)}"))
    return templates, errors


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render(template: Template, variables: dict[str, str], *, channel: Channel) -> Draft:
    """Render `template` with `variables` (every declared one present; unset ones empty)."""
    context = {name: variables.get(name, "") for name in template.declared}
    text = _tidy(template.body.render(context))
    subject = None
    if template.subject is not None and channel == "email":
        subject = " ".join(template.subject.render(context).split()) or None
    return Draft(text=text, subject=subject, channel=channel, template_id=template.id)
