"""Reading who said what in a pasted thread: `Rep (Name):` / `Name:` turns, quoted mail, signatures."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Message",
    "body_of",
    "last_prospect_message",
    "names_in_thread",
    "parse_messages",
    "rep_name",
    "signoff_name",
]

_NAME_WORD = r"[^\W\d_][\w'’.\-]*"
_SPEAKER = re.compile(
    rf"^(?:Rep \((?P<rep>[^)]{{1,60}})\)|(?P<who>{_NAME_WORD}(?: {_NAME_WORD}){{0,3}}))\s?:\s?(?P<text>.*)$"
)
# Labels that look like `Name:` but start a header, a signature field or a section.
_NOT_SPEAKERS = {
    "re", "fw", "fwd", "subject", "to", "from", "cc", "bcc", "sent", "date", "tel", "phone", "mobile",
    "mob", "email", "e-mail", "web", "website", "fax", "note", "ps", "p.s", "update", "edit", "out of office",
    "automatic reply", "auto-reply", "important", "question", "answer", "agenda", "attendees", "summary",
    "action items", "next steps", "next step", "main question", "short version", "options", "option",
    "address", "linkedin", "twitter", "office", "direct", "reply", "url", "ok", "yes", "no",
}
# Lower-case parts of family names: `Ilse de Vries`, `Ana dos Santos`.
_PARTICLES = {"de", "da", "das", "do", "dos", "del", "della", "di", "du", "van", "von", "der", "den", "ter",
              "ten", "la", "le", "bin", "binti", "al", "el", "y"}
_QUOTE_HEADER = re.compile(r"^\s*>?\s*(On .{0,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .*)\s*$",
                           re.IGNORECASE)
_SIGNOFF = re.compile(
    r"^(thanks|thank you|many thanks|thanks again|best|best regards|kind regards|warm regards|regards|"
    r"cheers|sincerely|all the best|best wishes|talk soon|speak soon|br|grazie|merci|saludos|gracias|"
    r"obrigad[ao]|groet|groeten|ngā mihi|nga mihi|danke|cordialement|un saludo|atentamente|mit freundlichen "
    r"grüßen|with thanks|thx|ta)[,.!]?$", re.IGNORECASE)
_SIGNATURE_TAIL = re.compile(r"^(--\s*|—|sent from my .*|sent from outlook.*|get outlook for .*|"
                             r"this email and any attachments .*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Message:
    """One message of a pasted thread."""

    speaker: str
    is_rep: bool
    text: str


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
    capitalised = all(word[0].isupper() or word in _PARTICLES for word in words)
    if not words[0][0].isupper() or not capitalised or len(who.replace(".", "")) < 2:
        return None
    return who, False, match.group("text")


def parse_messages(thread: str) -> list[Message]:
    """Split a pasted thread into messages by `Name:` / `Rep (Name):` line prefixes."""
    messages: list[Message] = []
    known: set[str] = set()
    in_quote = False
    for raw in thread.splitlines():
        line = raw.rstrip()
        if _QUOTE_HEADER.match(line) or line.lstrip().startswith(">"):
            in_quote = True  # quoted earlier mail repeats what the thread already holds
            continue
        label = None if line.startswith((" ", "\t")) else _speaker_label(line, known)
        if label is not None:
            speaker, is_rep, text = label
            known.add(speaker)
            in_quote = False
            messages.append(Message(speaker=speaker, is_rep=is_rep, text=text.strip()))
        elif in_quote:
            continue
        elif messages:
            last = messages[-1]
            messages[-1] = Message(last.speaker, last.is_rep, f"{last.text}\n{line}".strip("\n"))
        elif line.strip():
            messages.append(Message(speaker="", is_rep=False, text=line.strip()))
    return [Message(m.speaker, m.is_rep, m.text.strip()) for m in messages]


def last_prospect_message(thread: str) -> Message | None:
    """The latest message not written by the rep: the one a reply must answer."""
    for message in reversed(parse_messages(thread)):
        if not message.is_rep:
            return message
    return None


def rep_name(thread: str) -> str | None:
    """The rep's name from a `Rep (Name):` label, if the thread has one."""
    return next((m.speaker for m in parse_messages(thread) if m.is_rep and m.speaker), None)


def _split_signature(text: str, speaker: str = "") -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index > 0 and speaker and stripped == speaker:
            return lines[:index], lines[index:]  # the full name on its own line opens a signature
        if index > 0 and (_SIGNOFF.match(stripped) or _SIGNATURE_TAIL.match(stripped)):
            return lines[:index], lines[index:]
        # `Best, Sam` on one line.
        if index > 0 and re.match(r"^(best|thanks|cheers|regards),\s+\S+$", stripped, re.IGNORECASE):
            return lines[:index], lines[index:]
    return lines, []


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
    candidates = tail[1:3] if tail and _SIGNOFF.match(tail[0].strip()) else []
    if tail and not candidates:
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


def names_in_thread(thread: str) -> set[str]:
    """Every person name the thread reveals: speakers and the names reps greet (`Hi Mateus,`)."""
    names: set[str] = set()
    for message in parse_messages(thread):
        if message.speaker:
            names.add(message.speaker)
            names.update(part for part in message.speaker.split() if len(part) > 1)
        for match in re.finditer(rf"\b(?:Hi|Hello|Hey|Dear|Hola|Ciao|Hei|Olá|Kia ora|Dobrý den)\s+({_NAME_WORD}"
                                 rf"(?: {_NAME_WORD})?)", message.text):
            names.update(word for word in match.group(1).split() if word[0].isupper())
    return names
