"""Words a rep sees on the agent surface: the Messages-tab thread, streamed task timelines, follow-ups.

Kept apart from bot/messages.py (the draft message, buttons and errors) so the agent's words can be
read and fixed together; labels shared with the edited progress message come from there.
"""

from __future__ import annotations

from bot.messages import STEP_LABELS, source_label

__all__ = [
    "ANCHOR",
    "FEEDBACK_BAD",
    "FEEDBACK_GOOD",
    "FEEDBACK_THANKS",
    "FOLLOW_UP_HELP",
    "GREETING",
    "NOTHING_TO_REVISE",
    "PROMPTS_TITLE",
    "STATUS_READING",
    "STATUS_REVISING",
    "SUGGESTED_PROMPTS",
    "WEBSITE_SOURCE",
    "anchor_text",
    "offline_ignored",
    "superseded",
    "task_details",
    "task_title",
]

STATUS_READING = "Reading the thread…"
STATUS_REVISING = "Writing a new version…"
PROMPTS_TITLE = "Draft a reply to a prospect"
# (title, message): the message is what Slack puts in the rep's composer when a prompt is clicked.
SUGGESTED_PROMPTS: tuple[tuple[str, str], ...] = (
    ("Draft a LinkedIn reply",
     "Draft a LinkedIn reply to this conversation (paste it below, one message per line):\n"),
    ("Draft an e-mail reply",
     "email — draft an e-mail reply to this conversation (paste it below):\n"),
    ("Draft from a CSV",
     "How do I draft replies for a CSV of prospects?"),
)
GREETING = ("Paste a LinkedIn or e-mail conversation here and I'll draft the reply, showing each step "
            "as it runs. Start with `email` for an e-mail. Afterwards, say *shorter*, *more formal*, "
            "*in German* or *e-mail instead* for a new version.")
FOLLOW_UP_HELP = ("Share the CSV in this conversation (one row per prospect, a `conversation_thread` "
                  "column) and I'll draft every row and send the results back here.")
NOTHING_TO_REVISE = ("There's no draft in this thread yet to change. Paste the conversation first, "
                     "then ask for *shorter*, *more formal*, *in German* or *e-mail instead*.")
WEBSITE_SOURCE = "Company website"
FEEDBACK_GOOD = "Good draft"
FEEDBACK_BAD = "Needs work"
FEEDBACK_THANKS = "Thanks — noted for whoever tunes replycrew."
ANCHOR = ":memo: Drafting a reply"


def task_title(name: str) -> str:
    """A step's task title in the timeline."""
    return STEP_LABELS.get(name, name)


def task_details(*, source: str | None, similarity: float | None, elapsed_ms: int,
                 error: str | None = None) -> str:
    """Where a finished step's result came from and how long it took, e.g. `AI model · 812 ms`."""
    if error:
        return f"failed after {elapsed_ms} ms: {error}"
    label = source_label(source)
    if similarity is not None:
        label = f"{label} (similarity {similarity:.2f})"
    return f"{label} · {elapsed_ms} ms"


def anchor_text(user_id: str | None) -> str:
    """The channel message a streamed draft replies to (a stream is always a thread reply)."""
    who = f" for <@{user_id}>" if user_id else ""
    return f"{ANCHOR}{who}…"


def offline_ignored(instructions: list[str]) -> str:
    """A follow-up's wording instructions need a model; offline mode drafts without them."""
    said = ", ".join(f"“{i}”" for i in instructions)
    return (f"No AI model is configured, so this offline version could not follow {said}; "
            "set OPENAI_API_KEY (or another model) for rewrites on request.")


def superseded(version: int) -> str:
    """Under a streamed version that a newer one replaced."""
    return f"Replaced by version {version} below — its buttons act on the newest version."
