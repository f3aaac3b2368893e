"""The engine's TemplateDrafter: pick a template for the intent, fill it, render it, guard it, polish it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import jinja2

from engine.guard import GuardContext, find_leaks
from engine.meaning.models import get_models
from engine.meaning.reading import read_thread
from engine.models import Channel, Draft, DraftRequest, Intent, ProspectProfile, ThreadAnalysis
from engine.protocols import ReplyBackend, TemplateOutcome
from engine.settings import EngineSettings
from engine.templates import messages
from engine.templates.loader import LoadError, Template, load_templates, render
from engine.templates.variables import extract_variables

__all__ = ["Selection", "Templates"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """What selection decided: the draft (or None), the template used, and what was tried."""

    intent: Intent
    draft: Draft | None
    template: Template | None = None
    skipped: list[str] = field(default_factory=list)


class Templates:
    """Built-in and TEMPLATES_DIR templates, selected by the analysed intent and channel."""

    def __init__(self, templates: Mapping[str, Template], *, errors: Iterable[LoadError] = (),
                 polisher: ReplyBackend | None = None) -> None:
        self._templates = dict(templates)
        self.errors = list(errors)
        self._polisher = polisher
        for error in self.errors:
            log.warning("template %s not loaded: %s", error.path, error.message)

    @classmethod
    def load(cls, settings: EngineSettings, *, polisher: ReplyBackend | None = None) -> Templates:
        """The templates the settings configure (built-ins plus TEMPLATES_DIR)."""
        templates, errors = load_templates(settings.templates_dir)
        return cls(templates, errors=errors, polisher=polisher)

    def all(self) -> list[Template]:
        """Every loaded template, by id."""
        return [self._templates[key] for key in sorted(self._templates)]

    def get(self, template_id: str) -> Template | None:
        """One template by id."""
        return self._templates.get(template_id)

    def candidates(self, intent: str, channel: Channel) -> list[Template]:
        """Templates for this intent and channel, best first (priority, then id)."""
        found = [t for t in self._templates.values() if intent in t.meta.intents and channel in t.meta.channels]
        return sorted(found, key=lambda t: (-t.meta.priority, t.id))

    def select(self, request: DraftRequest, *, profile: ProspectProfile | None,
               analysis: ThreadAnalysis | None) -> Selection:
        """The first candidate (or a fallback of it) whose variables fill and whose render is clean."""
        if analysis is None:  # a caller without an analysis (`draft` reads the thread first): the rules
            from engine.steps.heuristics import analyse_thread

            analysis = analyse_thread(request.conversation_thread)
        intent = analysis.intent
        variables = extract_variables(request, profile=profile, analysis=analysis)
        context = GuardContext.for_request(request, profile)
        skipped: list[str] = []
        seen: set[str] = set()
        queue = self.candidates(intent, request.channel)
        while queue:
            template = queue.pop(0)
            if template.id in seen or request.channel not in template.meta.channels:
                continue
            seen.add(template.id)
            fallbacks = [self._templates[name] for name in template.meta.fallbacks if name in self._templates]
            missing = [name for name in template.meta.required if name not in variables]
            if missing:
                skipped.append(f"{template.id} needs {', '.join(missing)}")
                queue[:0] = fallbacks
                continue
            try:
                draft = render(template, variables, channel=request.channel)
            except jinja2.TemplateError as exc:  # a broken TEMPLATES_DIR file must not sink the draft
                skipped.append(messages.BROKEN_TEMPLATE.format(template_id=template.id, error=exc))
                queue[:0] = fallbacks
                continue
            leaks = find_leaks(draft, GuardContext(channel=context.channel, allowed_names=context.allowed_names,
                                                   first_name=context.first_name,
                                                   max_chars=template.meta.max_chars))
            if leaks:
                skipped.append(f"{template.id} rendered with {leaks[0].describe()}")
                queue[:0] = fallbacks
                continue
            return Selection(intent=intent, draft=draft, template=template, skipped=skipped)
        return Selection(intent=intent, draft=None, skipped=skipped)

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None) -> TemplateOutcome:
        """A templated draft, or None with a note saying why none could be used."""
        if analysis is None:  # fast mode or a failed analysis step: the offline reading, as everywhere else
            analysis = await read_thread(request.conversation_thread, models=get_models())
        selection = self.select(request, profile=profile, analysis=analysis)
        path = "offline" if self._polisher is None else "LLM"
        if selection.draft is None or selection.template is None:
            if not selection.skipped:
                note = messages.NO_TEMPLATE.format(intent=selection.intent, channel=request.channel, path=path)
            else:
                note = messages.MISSING_VARIABLES.format(intent=selection.intent, path=path,
                                                         details="; ".join(selection.skipped))
            return TemplateOutcome(None, note)
        notes = [messages.TEMPLATE_USED.format(template_id=selection.template.id, intent=selection.intent)]
        if selection.skipped:
            notes.append(f"Skipped: {'; '.join(selection.skipped)}.")
        draft = selection.draft
        if request.ai_polish:
            draft, polish_note = await self._polish(draft, request=request, profile=profile, analysis=analysis)
            notes.append(polish_note)
        return TemplateOutcome(draft, " ".join(notes))

    async def _polish(self, draft: Draft, *, request: DraftRequest, profile: ProspectProfile | None,
                      analysis: ThreadAnalysis | None) -> tuple[Draft, str]:
        if self._polisher is None:
            return draft, messages.POLISH_SKIPPED_OFFLINE
        # The reply backend reuses snippets in its draft; the template is handed over as the one to adapt.
        snippet = ("Template draft to personalise for this prospect; keep its offer and facts, "
                   f"adapt tone and details to the thread:\n{draft.text}")
        try:
            polished = await self._polisher.draft(request, profile=profile, analysis=analysis, snippets=[snippet])
        except Exception as exc:  # polish is optional: the template draft stands
            log.warning("ai_polish failed: %s", exc)
            return draft, messages.POLISH_FAILED.format(error=str(exc) or type(exc).__name__)
        return polished.model_copy(update={"subject": polished.subject or draft.subject,
                                           "template_id": draft.template_id,
                                           "channel": draft.channel}), messages.POLISHED
