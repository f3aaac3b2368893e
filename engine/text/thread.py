"""The one thread parser: who said what in a pasted thread, quoted mail, signatures, the latest
prospect message.

A thread is `Rep (Name): ...` / `Name: ...` turns; a line that starts with spaces or does not
start with a label continues the message before it (`  Indented Name: continues` is a continuation,
not a speaker). Quoted earlier mail (`> ...`, `On ... wrote:`, `-----Original Message-----`) is
earlier context: it is kept apart in `Message.quoted`, never in the message text, so it is never
read as the latest prospect message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.text.names import NAME_WORD, PARTICLES, greeting_alternation

__all__ = [
    "SIGNOFF",
    "SIGNOFF_ALTERNATION",
    "SIGNOFF_WORDS",
    "Message",
    "Turn",
    "body_of",
    "is_quote_line",
    "is_signature_tail",
    "last_prospect_message",
    "latest_turn",
    "names_in_thread",
    "parse_messages",
    "rep_name",
    "signoff_name",
    "split_signature",
]

_SPEAKER = re.compile(
    rf"^(?:Rep \((?P<rep>[^)]{{1,60}})\)|(?P<who>{NAME_WORD}(?: {NAME_WORD}){{0,3}}))\s?:\s?(?P<text>.*)$"
)
# Labels that look like `Name:` but start a header, a signature field or a section.
_NOT_SPEAKERS = {
    "re", "fw", "fwd", "subject", "to", "from", "cc", "bcc", "sent", "date", "tel", "phone", "mobile",
    "mob", "email", "e-mail", "web", "website", "fax", "note", "ps", "p.s", "update", "edit", "out of office",
    "automatic reply", "auto-reply", "important", "question", "answer", "agenda", "attendees", "summary",
    "action items", "next steps", "next step", "main question", "short version", "options", "option",
    "address", "linkedin", "twitter", "office", "direct", "reply", "url", "ok", "yes", "no",
}
# The line a mail client puts above quoted mail, in the languages we meet: `On Tue, 3 Mar 2026 at 10:14,
# Sam <sam@x> wrote:`, `Le mar. 3 mars 2026 à 10:14, Sam a écrit :`, `Am 03.03.2026 schrieb Sam:`.
_WROTE = r"(?:wrote|a écrit|schrieb|escribió|escreveu|ha scritto|schreef)\s*:?"
_QUOTE_HEADER = re.compile(rf"^\s*>?\s*((?:On|Le|Am|El|Em|Il|Op) .{{0,200}} {_WROTE}|-{{2,}} ?Original Message ?-{{2,}}"
                           r"|From: .*)\s*$", re.IGNORECASE)
# The header's first half when the client wrapped it: `On Tue, 3 Mar 2026 at 10:14, Sam Lee <sam@x` / `> wrote:`.
_HEADER_START = re.compile(r"^\s*>?\s*(?:On|Le|Am|El|Em|Il|Op) .{0,200}$")
_HEADER_END = re.compile(rf"^.{{0,120}}\b{_WROTE}\s*$", re.IGNORECASE)
# Words that close a message before the signature: `Best,`, `Ngā mihi`, `Mit freundlichen Grüßen`.
SIGNOFF_WORDS = ("thanks", "thank you", "many thanks", "thanks again", "best", "best regards", "kind regards",
                 "warm regards", "regards", "cheers", "sincerely", "yours", "all the best", "best wishes",
                 "talk soon", "speak soon", "take care", "br", "grazie", "merci", "saludos", "gracias",
                 "obrigado", "obrigada", "groet", "groeten", "ngā mihi", "nga mihi", "danke", "cordialement",
                 "un saludo", "atentamente", "mit freundlichen grüßen", "with thanks", "thx", "ta",
                 # the usual closings of other languages a prospect writes in (German, Dutch, French, Italian,
                 # Spanish, Portuguese, the Nordic languages, Polish, Czech, Hungarian, Turkish)
                 "mit freundlichen grüssen", "freundliche grüße", "freundliche grüsse", "viele grüße", "viele grüsse",
                 "beste grüße", "beste grüsse", "liebe grüße", "liebe grüsse", "lg", "vg", "mfg",
                 "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet", "hartelijke groet",
                 "bien cordialement", "bien à vous", "salutations", "cordiali saluti", "distinti saluti", "saluti",
                 "un saluto", "cordialmente", "un abrazo", "abraços", "atenciosamente", "cumprimentos",
                 "med vänlig hälsning", "vänliga hälsningar", "mvh", "med venlig hilsen", "venlig hilsen",
                 "vennlig hilsen", "med vennlig hilsen", "ystävällisin terveisin", "pozdrawiam", "z poważaniem",
                 "s pozdravem", "üdvözlettel", "saygılarımla")
SIGNOFF_ALTERNATION = "|".join(re.escape(w) for w in sorted(SIGNOFF_WORDS, key=len, reverse=True))
SIGNOFF = re.compile(rf"^(?:{SIGNOFF_ALTERNATION})[,.!]?$", re.IGNORECASE)
_SIGNATURE_TAIL = re.compile(r"^(--\s*|—|sent from (?:my|outlook|mail)\b.*|get outlook for .*|"
                             r"this email and any attachments .*)$", re.IGNORECASE)


# `Hi Mateus,`, `Kia ora Aroha`: the greeting in any case, the name capitalised.
_GREETED = re.compile(rf"\b(?i:{greeting_alternation()})\s+({NAME_WORD}(?: {NAME_WORD})?)")


@dataclass(frozen=True)
class Message:
    """One message of a pasted thread; `quoted` holds the earlier mail it quoted, if any."""

    speaker: str
    is_rep: bool
    text: str
    quoted: str = ""


@dataclass(frozen=True)
class Turn:
    """The latest prospect message, and the rep's message before it (what a bare "yes" answers)."""

    message: Message
    context: str


def is_quote_line(line: str) -> bool:
    """True for a line of quoted earlier mail: `> ...`, `On ... wrote:`, `-----Original Message-----`."""
    return line.lstrip().startswith(">") or _QUOTE_HEADER.match(line) is not None


def is_signature_tail(line: str) -> bool:
    """True for a line that only closes mail: `--`, `Sent from my iPhone`, a disclaimer."""
    return _SIGNATURE_TAIL.match(line.strip()) is not None


def _speaker_label(line: str, known: set[str]) -> tuple[str, bool, str] | None:
    match = _SPEAKER.match(line.strip())
    if not match:
        return None
    if match.group("rep"):
        return match.group("rep").strip(), True, match.group("text")
    who = match.group("who")
    words = who.split()
    if who.lower().rstrip(".") in _NOT_SPEAKERS or who in known:
        return (who, False, match.group("text")) if who in known else None
    # A name is capitalised words; one-letter labels (`T:`, `M:`) are phone/mail fields.
    capitalised = all(word[0].isupper() or word in PARTICLES for word in words)
    if not words[0][0].isupper() or not capitalised or len(who.replace(".", "")) < 2:
        return None
    return who, False, match.group("text")


def parse_messages(thread: str) -> list[Message]:
    """Split a pasted thread into messages by `Name:` / `Rep (Name):` line prefixes."""
    messages: list[Message] = []
    quoted: list[list[str]] = []  # per message: the lines of earlier mail it quotes
    pending: list[str] = []       # quoted lines before the first message
    known: set[str] = set()
    in_quote = False
    for raw in _unwrap_headers(thread.splitlines()):
        line = raw.rstrip()
        if is_quote_line(line):
            in_quote = True  # quoted earlier mail: context, not part of this message
            (quoted[-1] if quoted else pending).append(line)
            continue
        label = None if line.startswith((" ", "\t")) else _speaker_label(line, known)
        if label is not None:
            speaker, is_rep, text = label
            known.add(speaker)
            in_quote = False
            messages.append(Message(speaker=speaker, is_rep=is_rep, text=text.strip()))
            quoted.append(pending)
            pending = []
        elif in_quote:
            (quoted[-1] if quoted else pending).append(line)
        elif messages:
            last = messages[-1]
            messages[-1] = Message(last.speaker, last.is_rep, f"{last.text}\n{line}".strip("\n"))
        elif line.strip():
            messages.append(Message(speaker="", is_rep=False, text=line.strip()))
            quoted.append(pending)
            pending = []
    return [Message(m.speaker, m.is_rep, m.text.strip(), "\n".join(q).strip())
            for m, q in zip(messages, quoted, strict=True)]


def _unwrap_headers(lines: list[str]) -> list[str]:
    """Lines with a quote header that the mail client wrapped over two lines joined into one."""
    out: list[str] = []
    for line in lines:
        if out and _HEADER_END.match(line) and _HEADER_START.match(out[-1]) and not _QUOTE_HEADER.match(out[-1]):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return out


def last_prospect_message(thread: str) -> Message | None:
    """The latest message not written by the rep: the one a reply must answer."""
    for message in reversed(parse_messages(thread)):
        if not message.is_rep:
            return message
    return None


def latest_turn(messages: list[Message]) -> Turn | None:
    """The latest prospect message of parsed `messages`, with the rep's message before it."""
    index = next((i for i in range(len(messages) - 1, -1, -1) if not messages[i].is_rep), None)
    if index is None:
        return None
    context = next((m.text for m in reversed(messages[:index]) if m.is_rep), "")
    return Turn(message=messages[index], context=context)


def rep_name(thread: str) -> str | None:
    """The rep's name from a `Rep (Name):` label, if the thread has one."""
    return next((m.speaker for m in parse_messages(thread) if m.is_rep and m.speaker), None)


def _split_signature(text: str, speaker: str = "") -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index > 0 and speaker and stripped == speaker:
            return lines[:index], lines[index:]  # the full name on its own line opens a signature
        if index > 0 and (SIGNOFF.match(stripped) or _SIGNATURE_TAIL.match(stripped)):
            return lines[:index], lines[index:]
        # `Best, Sam` on one line.
        if index > 0 and re.match(r"^(best|thanks|cheers|regards),\s+\S+$", stripped, re.IGNORECASE):
            return lines[:index], lines[index:]
        # Near the end, the sender's name (`Lan N.`) or name and title (`Lan Nguyen | Head of Ops`).
        if index > 0 and index >= len(lines) - 4 and speaker and _opens_signature(stripped, speaker):
            return lines[:index], lines[index:]
    return lines, []


def _opens_signature(line: str, speaker: str) -> bool:
    if _is_name_line(line, speaker):
        return True
    first = re.escape(speaker.split()[0])
    return len(line) <= 60 and re.match(rf"^{first}\b[^.?!]*\s[|,/–—-]\s", line, re.IGNORECASE) is not None


def split_signature(message: Message) -> tuple[str, list[str]]:
    """(the body, the signature's non-empty lines): the sign-off and everything after it."""
    _, tail = _split_signature(message.text, message.speaker)
    return body_of(message), [line.strip() for line in tail if line.strip()]


def body_of(message: Message) -> str:
    """The message without its sign-off, signature block, phone lines and disclaimers."""
    body, _ = _split_signature(message.text, message.speaker)
    kept = [line for line in body if not _SIGNATURE_TAIL.match(line.strip())]
    # A bare name or initial left on the last line (`S.`, `Lan`) is a signature too.
    while kept and message.speaker and _is_name_line(kept[-1], message.speaker):
        kept.pop()
    return "\n".join(kept).strip()


def _is_name_line(line: str, speaker: str) -> bool:
    words = line.strip().rstrip(".,").split()
    if not words or len(words) > 4:
        return False
    tokens = {token.lower() for token in speaker.split()}
    return all(word.lower() in tokens or re.fullmatch(r"[A-Z]\.?", word) for word in words)


def signoff_name(message: Message) -> str | None:
    """The name the prospect signs with (`Lan`, `Wei Ling`) when it is part of their full name."""
    _, tail = _split_signature(message.text, message.speaker)
    tokens = message.speaker.split()
    candidates = tail[1:3] if tail and SIGNOFF.match(tail[0].strip()) else []
    if tail and not candidates and _is_name_line(tail[0], message.speaker):
        candidates = tail[:1]  # the name alone opens the signature (`Lan`)
    elif tail and not candidates:
        same_line = re.match(r"^\w+,\s+(.+)$", tail[0].strip())
        candidates = [same_line.group(1)] if same_line else []
    if not tail:  # no sign-off phrase: a bare name on the last line (`Lan`)
        lines = [line for line in message.text.splitlines() if line.strip()]
        candidates = lines[-1:] if len(lines) > 1 else []
    for candidate in candidates:
        words = candidate.strip().rstrip(".,").split()
        if words and len(words) < len(tokens) and all(w in tokens for w in words):
            return " ".join(words)
    return None


def names_in_thread(thread: str, *, messages: list[Message] | None = None) -> set[str]:
    """Every person name the thread reveals: speakers and the names reps greet (`Hi Mateus,`).

    `messages`: the thread already parsed, to save parsing it again.
    """
    names: set[str] = set()
    for message in parse_messages(thread) if messages is None else messages:
        if message.speaker:
            names.add(message.speaker)
            names.update(part for part in message.speaker.split() if len(part) > 1)
        for match in _GREETED.finditer(message.text):
            names.update(word for word in match.group(1).split() if word[0].isupper())
    return names
