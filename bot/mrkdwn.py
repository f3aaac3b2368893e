"""Text between Markdown, Slack mrkdwn and plain text, and splitting long text for Block Kit.

LLM drafts arrive as Markdown (`**bold**`, `[label](url)`, `# Heading`); Slack renders mrkdwn
(`*bold*`, `<url|label>`). Pasted threads arrive escaped the other way (`&lt;`, `<mailto:..|..>`).
"""

from __future__ import annotations

import re

__all__ = ["escape", "markdown_to_mrkdwn", "slack_to_plain", "split_text"]

_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_SLACK_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_SLACK_SPECIAL = re.compile(r"<[@#!][^>]*>")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_to_mrkdwn(text: str) -> str:
    """Convert the Markdown an LLM writes into Slack mrkdwn; code spans are left alone."""
    pieces: list[str] = []
    last = 0
    for match in _CODE.finditer(text):
        pieces.append(_convert(text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_convert(text[last:]))
    return "".join(pieces)


def _convert(text: str) -> str:
    text = escape(text)
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{match.group(1)}>")
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(keep_link, text)
    # Italic first: `*x*` -> `_x_`; then bold `**x**` -> `*x*` (which italic must not see again).
    text = _ITALIC.sub(lambda m: f"_{m.group(1)}_", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    text = _HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def slack_to_plain(text: str) -> str:
    """A message's text as the person typed it: links unwrapped, entities unescaped."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            return label
        return target.removeprefix("mailto:").removeprefix("tel:")

    text = _SLACK_LINK.sub(unwrap, text)
    text = _SLACK_SPECIAL.sub("", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters, at paragraph, line or word breaks."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 3:
            cut = window.rfind("\n")
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit  # one very long word: cut it
        cut = _outside_markup(window, cut)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _outside_markup(window: str, cut: int) -> int:
    """Move a cut back so it does not fall inside a `<link|label>` or an `&amp;` entity."""
    head = window[:cut]
    opened = head.rfind("<")
    if opened > head.rfind(">") and opened > 0:
        cut = opened
        head = window[:cut]
    amp = head.rfind("&", max(0, cut - 6))
    if amp >= 0 and ";" not in head[amp:] and amp > 0:
        cut = amp
    return cut
