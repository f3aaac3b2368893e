"""A rep's follow-up in an agent thread ("shorter", "more formal", "in German", "e-mail instead").

A follow-up is any short message in a thread that already holds a draft and that is not itself a
pasted conversation. What it asks is not decided here by a word list: the words go to the reply
step as the rep's instruction for the new version, and the model follows them. Only the channel is
read from it, because that is a hard fact the engine needs before drafting (an e-mail has a
subject): "e-mail instead", "as an email", "LinkedIn instead".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.models import MAX_INSTRUCTION_CHARS, MAX_INSTRUCTIONS, Channel, DraftRequest
from engine.text.thread import parse_messages

__all__ = ["FollowUp", "read_follow_up"]

# "e-mail instead", "as an email", "switch to linkedin", "make it an e-mail", "linkedin please"
_CHANNEL = re.compile(
    r"\b(?:(?:as|to|into|an?|instead\s+of\s+\w+,?)\s+)?(?P<channel>e-?mail|linkedin)\b"
    r"(?:\s+(?:instead|please|version|reply|message))?", re.IGNORECASE)
_CHANNEL_ONLY = re.compile(r"^\W*(?:(?:make|turn|write|switch)\s+(?:it|this)?\s*)?(?:an?\s+|as\s+an?\s+|to\s+|"
                           r"into\s+an?\s+)?(?:e-?mail|linkedin)(?:\s+(?:instead|please|version|reply|message))*\W*$",
                           re.IGNORECASE)


@dataclass(frozen=True)
class FollowUp:
    """What a follow-up changes: the channel, and the words the model should follow."""

    channel: Channel | None
    instruction: str | None

    def revise(self, request: DraftRequest) -> DraftRequest:
        """The request for the new version: the channel switched, the instruction added to earlier ones."""
        instructions = list(request.instructions)
        if self.instruction:
            instructions = [*instructions, self.instruction][-MAX_INSTRUCTIONS:]
        return request.model_copy(update={"channel": self.channel or request.channel,
                                          "instructions": instructions, "use_cache": False})


def read_follow_up(text: str) -> FollowUp | None:
    """The follow-up a message asks for, or None when it is a conversation to draft from."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_INSTRUCTION_CHARS:
        return None
    if any(message.speaker for message in parse_messages(text)):
        return None  # "Name: words" lines: a pasted conversation, a new draft
    match = _CHANNEL.search(text)
    channel: Channel | None = None
    if match:
        channel = "email" if match.group("channel").lower().replace("-", "") == "email" else "linkedin"
    instruction = None if _CHANNEL_ONLY.match(text) else text
    return FollowUp(channel=channel, instruction=instruction)
