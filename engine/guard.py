"""The leak guard: no draft leaves the engine with a placeholder, a null, an empty salutation,
someone else's name in the greeting, or more characters than its channel takes.

It runs on every draft (templated, LLM or offline): in the workflow, in the template fast path
(engine/fastpath.py) and in `replycrew templates check`. It first finds problems, then
repairs what can be repaired without guessing (removing a `{company_name}`, fixing `Hi ,`,
truncating at a sentence end) and re-checks; a draft still failing after repair is replaced by a
plain safe draft (the offline reply). Greetings, titles and words that are not names come from
engine/text, like every other reader of names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from engine.models import Channel, Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.templates import messages
from engine.text.names import NOT_NAMES, first_name, greeting_alternation, is_title

__all__ = [
    "EMAIL_SUBJECT_MAX",
    "LINKEDIN_CONNECTION_NOTE_MAX",
    "LINKEDIN_MESSAGE_MAX",
    "GuardContext",
    "GuardOutcome",
    "Leak",
    "find_leaks",
    "guard_draft",
    "guard_reply",
    "name_words",
]

log = logging.getLogger(__name__)

# LinkedIn caps a message at 8,000 characters and a connection-request note at 300;
# mail clients start folding or cutting subjects past ~78 characters (RFC 5322's line advice).
LINKEDIN_MESSAGE_MAX = 8_000
LINKEDIN_CONNECTION_NOTE_MAX = 300
EMAIL_SUBJECT_MAX = 78
_TEXT_MAX: dict[str, int] = {"linkedin": LINKEDIN_MESSAGE_MAX, "email": 20_000, "slack": 8_000,
                             "other": 8_000}

# Template syntax of every common engine, plus the bare `{name}` of str.format.
_PLACEHOLDERS = re.compile(
    r"\{\{.{0,200}?\}\}|\{%.{0,200}?%\}|\{#.{0,200}?#\}|\$\{[^}\n]{0,80}\}|\{[^{}\n]{0,80}\}"
    r"|%\([A-Za-z_]\w*\)[sd]|%[sd]\b|<<[^<>\n]{0,60}>>|<[A-Za-z][A-Za-z _]{0,30}>|__[A-Z][A-Z_]{1,30}__",
    re.S,
)
_BRACES = re.compile(r"[{}]")
# `[Name]`, `[Company name]`, `[ ]`: brackets holding only words are unfilled slots, not content.
_BRACKETS = re.compile(r"\[[A-Za-z _./\-]{0,40}\]")
_NULLISH = re.compile(r"\b(None|null|NULL|undefined|NaN)\b")
_GREETING = re.compile(rf"^(?P<greet>{greeting_alternation()})\b(?P<rest>.*)$", re.I)
_DOUBLED_SPACE = re.compile(r"(?<=\S)[ \t\u00a0]{2,}(?=\S)")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t\u00a0]+(?=[,;])|[ \t\u00a0]+(?=\.(?:\s|$))")
_EMPTY_PARENS = re.compile(r"\s?\(\s*\)|\s?“\s*”|\s?\"\s*\"")
_DOUBLED_PUNCT = re.compile(r",\s*,|\.\s+\.(?!\.)")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")


@dataclass(frozen=True)
class Leak:
    """One problem found in a draft: what kind, in which field, and the offending fragment."""

    kind: str
    field: str
    fragment: str

    def describe(self) -> str:
        fragment = self.fragment if len(self.fragment) <= 40 else self.fragment[:37] + "..."
        return f"{self.kind.replace('_', ' ')} {fragment!r}" if fragment else self.kind.replace("_", " ")


@dataclass(frozen=True)
class GuardContext:
    """What the guard knows about this draft's conversation."""

    channel: Channel
    allowed_names: frozenset[str] = frozenset()
    first_name: str | None = None
    max_chars: int | None = None

    @classmethod
    def for_request(cls, request: DraftRequest, profile: ProspectProfile | None = None, *,
                    max_chars: int | None = None, channel: Channel | None = None) -> GuardContext:
        """Names that may greet this prospect: every word of the thread, the request and profile."""
        sources = [request.conversation_thread, request.prospect_name or ""]
        for url in (request.prospect_profile_url, request.prospect_company_url,
                    request.prospect_company_website):
            if url:
                sources.append(re.sub(r"[-_/.]", " ", urlsplit(url).path + " " + (urlsplit(url).hostname or "")))
        first = None
        if profile is not None:
            sources += [profile.name or "", profile.first_name or "", profile.company or ""]
            first = profile.first_name
        if not first:
            first = first_name(request.prospect_name)
        return cls(channel=channel or request.channel, allowed_names=name_words(sources),
                   first_name=first, max_chars=max_chars)


@dataclass(frozen=True)
class GuardOutcome:
    """The (possibly repaired) draft, what was wrong with the original, and whether it is clean now."""

    draft: Draft
    leaks: tuple[Leak, ...] = ()
    ok: bool = True
    remaining: tuple[Leak, ...] = field(default=())


def name_words(texts: Iterable[str]) -> frozenset[str]:
    """Every word of `texts`, case-folded: the names a greeting may use."""
    return frozenset(word.casefold() for text in texts for word in _WORD.findall(text))


def _nullish_is_leak(text: str, match: re.Match[str]) -> bool:
    word, start, end = match.group(1), match.start(), match.end()
    before, after = text[max(0, start - 30):start], text[end:end + 2]
    if word == "None":
        # "None of our customers ..." opens a sentence; "Hi None," or "for None." is an unset value.
        return not (re.search(r"(^|[.!?]\s+|\n)$", before) and re.match(r" [a-z]", after))
    if word in ("null", "undefined"):
        # "returns null values" is prose; "null," / "Hi null" / "(null)" is an unset value.
        return not (re.search(r"[a-z] $", before) and re.match(r" [a-z]", after))
    return True


def _salutation(text: str) -> tuple[int, re.Match[str]] | None:
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            match = _GREETING.match(line.strip())
            return (offset + len(line) - len(line.lstrip()), match) if match else None
        offset += len(line) + 1
    return None


def _salutation_names(rest: str) -> list[str]:
    """The capitalised words right after the greeting word, up to punctuation."""
    names: list[str] = []
    for token in re.split(r"[ \u00a0]+", rest.strip()):
        bare = token.rstrip(",!.:;")
        if not bare or is_title(bare):
            if token != bare:
                break
            continue
        if bare.casefold() in NOT_NAMES or not bare[0].isupper() or not _WORD.fullmatch(bare):
            break
        names.append(bare)
        if token != bare or len(names) == 4:
            break
    return names


def _check_text(text: str, context: GuardContext, *, field_name: str) -> list[Leak]:
    leaks: list[Leak] = []
    for match in _PLACEHOLDERS.finditer(text):
        leaks.append(Leak("placeholder", field_name, match.group(0)))
    if not leaks and _BRACES.search(text):
        leaks.append(Leak("placeholder", field_name, _BRACES.search(text).group(0)))  # type: ignore[union-attr]
    leaks += [Leak("bracket_placeholder", field_name, m.group(0)) for m in _BRACKETS.finditer(text)]
    leaks += [Leak("null_value", field_name, m.group(0)) for m in _NULLISH.finditer(text)
              if _nullish_is_leak(text, m)]
    leaks += [Leak("doubled_space", field_name, m.group(0)) for m in _DOUBLED_SPACE.finditer(text)][:1]
    leaks += [Leak("space_before_punctuation", field_name, m.group(0))
              for m in _SPACE_BEFORE_PUNCT.finditer(text)][:1]
    leaks += [Leak("empty_value", field_name, m.group(0).strip()) for m in _EMPTY_PARENS.finditer(text)][:1]
    leaks += [Leak("doubled_punctuation", field_name, m.group(0)) for m in _DOUBLED_PUNCT.finditer(text)][:1]
    return leaks


def find_leaks(draft: Draft, context: GuardContext) -> list[Leak]:
    """Every problem in `draft`; an empty list means it may be shown to a rep."""
    text = draft.text
    if len(_WORD.findall(text)) < 2:
        return [Leak("empty_draft", "text", text[:40])]
    leaks = _check_text(text, context, field_name="text")
    found = _salutation(text)
    if found is not None:
        _, match = found
        greet, rest = match.group("greet"), match.group("rest")
        names = _salutation_names(rest)
        if re.match(r"\s+[,!.:;]|\s{2,}", rest) or (greet.casefold() == "dear" and not names):
            leaks.append(Leak("empty_salutation", "text", match.group(0)[:40]))
        strangers = [name for name in names if name.casefold() not in context.allowed_names]
        if strangers and context.allowed_names:
            leaks.append(Leak("wrong_name", "text", " ".join(strangers)))
    limit = min(filter(None, (_TEXT_MAX.get(context.channel), context.max_chars)), default=None)
    if limit is not None and len(text) > limit:
        leaks.append(Leak("too_long", "text", f"{len(text):,} chars, limit {limit:,}"))
    if draft.subject is not None:
        subject = draft.subject
        leaks += _check_text(subject, context, field_name="subject")
        if "\n" in subject or "\r" in subject:
            leaks.append(Leak("line_break", "subject", subject[:40]))
        if len(subject) > EMAIL_SUBJECT_MAX:
            leaks.append(Leak("too_long", "subject", f"{len(subject)} chars, limit {EMAIL_SUBJECT_MAX}"))
        if not subject.strip():
            leaks.append(Leak("empty_value", "subject", ""))
    return leaks


def _scrub(text: str) -> str:
    text = _PLACEHOLDERS.sub("", text)
    text = _BRACES.sub("", text)
    text = _BRACKETS.sub("", text)
    text = _NULLISH.sub(lambda m: "" if _nullish_is_leak(m.string, m) else m.group(0), text)
    text = _EMPTY_PARENS.sub("", text)
    for _ in range(3):  # removals can expose a new ", ," or double space
        text = _DOUBLED_PUNCT.sub(lambda m: m.group(0)[0], text)
        text = _DOUBLED_SPACE.sub(" ", text)
        text = _SPACE_BEFORE_PUNCT.sub("", text)
    return text


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(". "), head.rfind("! "), head.rfind("? "), head.rfind("\n"))
    if cut < limit // 2:
        cut = head.rfind(" ")
    return head[:cut + 1].rstrip() if cut > 0 else head.rstrip()


def _repair_salutation(text: str, context: GuardContext) -> str:
    found = _salutation(text)
    if found is None:
        return text
    start, match = found
    greet, rest = match.group("greet"), match.group("rest")
    names = _salutation_names(rest)
    strangers = [n for n in names if n.casefold() not in context.allowed_names]
    if strangers and context.allowed_names:
        first = context.first_name
        replacement = first if first and _WORD.fullmatch(first) and first.casefold() in context.allowed_names else ""
        pattern = r"^\s*" + r"\s+".join(re.escape(n) for n in names)
        rest = re.sub(pattern, f" {replacement}" if replacement else "", rest, count=1)
    rest = re.sub(r"^\s+(?=[,!.:;]|$)", "", rest)
    rest = re.sub(r"^\s{2,}", " ", rest)
    if greet.casefold() == "dear" and not _salutation_names(rest):
        greet = "Hello"
    line = f"{greet}{rest}"
    return text[:start] + line + text[start + len(match.group(0)):]


def _repair(draft: Draft, context: GuardContext) -> Draft:
    text = _repair_salutation(_scrub(draft.text), context)
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    limit = min(filter(None, (_TEXT_MAX.get(context.channel), context.max_chars)), default=None)
    if limit is not None:
        text = _truncate(text, limit)
    subject = draft.subject
    if subject is not None:
        subject = " ".join(_scrub(subject).split())
        subject = _truncate(subject, EMAIL_SUBJECT_MAX).rstrip(" ,;:-—") or None
    return draft.model_copy(update={"text": text, "subject": subject})


def guard_draft(draft: Draft, context: GuardContext) -> GuardOutcome:
    """Check `draft`; repair it when it leaks; `ok` says whether the result is clean."""
    leaks = find_leaks(draft, context)
    if not leaks:
        return GuardOutcome(draft=draft)
    repaired = _repair(draft, context)
    remaining = find_leaks(repaired, context)
    return GuardOutcome(draft=repaired, leaks=tuple(leaks), ok=not remaining, remaining=tuple(remaining))


def _describe(leaks: Iterable[Leak]) -> str:
    return "; ".join(dict.fromkeys(leak.describe() for leak in leaks))


def _safe_draft(request: DraftRequest, profile: ProspectProfile | None,
                analysis: ThreadAnalysis | None, context: GuardContext) -> Draft:
    try:
        from engine.steps.replies import plain_reply

        plain = guard_draft(plain_reply(request, profile=profile, analysis=analysis), context)
        if plain.ok:
            return plain.draft
    except Exception:  # the last line of defence must not fail on a heuristics bug
        log.exception("plain fallback draft failed")
    subject = "Re: our conversation" if request.channel == "email" else None
    return Draft(text="Hi,\n\nThanks for your message. I'll come back to you shortly.\n\nBest regards",
                 subject=subject, channel=request.channel)


def guard_reply(draft: Draft, *, request: DraftRequest, profile: ProspectProfile | None,
                analysis: ThreadAnalysis | None, max_chars: int | None = None) -> tuple[Draft, list[str]]:
    """The draft to show (guarded, repaired, or replaced by a safe one) and notes saying what happened."""
    context = GuardContext.for_request(request, profile, max_chars=max_chars, channel=draft.channel)
    outcome = guard_draft(draft, context)
    if not outcome.leaks:
        return draft, []
    if outcome.ok:
        return outcome.draft, [messages.GUARD_REPAIRED.format(problems=_describe(outcome.leaks))]
    log.warning("leak guard replaced a draft: %s", _describe(outcome.remaining))
    return (_safe_draft(request, profile, analysis, context),
            [messages.GUARD_FELL_BACK.format(problems=_describe(outcome.leaks))])
