"""Every word the Slack app shows a user, in one place so they can be read and fixed together.

Texts are Slack mrkdwn. Functions take the few values a text needs; nothing here calls Slack.
Any user-supplied value a function puts into a text is escaped here (`&`, `<`, `>`), so user data
can never become `<!channel>`, `<!here>` or `<@U…>`.
Errors say what happened and what to do next, never a stack trace.
"""

from __future__ import annotations

from bot.mrkdwn import escape

__all__ = [
    "ALREADY_APPROVED",
    "ALREADY_DRAFTED_HERE",
    "ALREADY_REGENERATING",
    "APPROVE",
    "BOT_NOT_IN_CHANNEL",
    "CHANNEL_LABELS",
    "DRAFT_FAILED",
    "DRAFT_FALLBACK_TEXT",
    "DRAFT_FILE_COMMENT",
    "DRAFT_TOO_LONG_TO_EDIT",
    "DRAFT_TRIMMED",
    "EDIT",
    "EDIT_MODAL_TITLE",
    "EMPTY_EDIT",
    "FORM_ARCHIVED",
    "FORM_CANNOT_POST",
    "HELP",
    "LLM_DOWN",
    "MODAL_CHANNEL_LABEL",
    "MODAL_COMPANY_LABEL",
    "MODAL_CONVERSATION_LABEL",
    "MODAL_DID_NOT_OPEN",
    "MODAL_PROFILE_LABEL",
    "MODAL_SAVE",
    "MODAL_SUBJECT_LABEL",
    "MODAL_SUBMIT",
    "MODAL_TEXT_LABEL",
    "MODAL_THREAD_HINT",
    "MODAL_THREAD_LABEL",
    "MODAL_TITLE",
    "MODAL_WEBSITE_LABEL",
    "NOT_A_THREAD",
    "NOT_INSTALLED",
    "NO_CONVERSATION",
    "OFFLINE",
    "REGENERATE",
    "STEP_LABELS",
    "STORE_DOWN",
    "UNKNOWN_DRAFT",
    "WRONG_WORKSPACE",
    "approved_line",
    "approved_while_regenerating",
    "cannot_post_here",
    "degraded_line",
    "draft_file_failed",
    "draft_file_title",
    "draft_header",
    "earlier_versions",
    "edited_line",
    "invalid_request",
    "not_your_draft",
    "progress_header",
    "source_label",
    "step_done",
    "step_failed",
    "step_skipped",
    "step_waiting",
    "summary_line",
    "thread_too_long",
    "unexpected_error",
]

STEP_LABELS: dict[str, str] = {
    "profile": "Profile enrichment",
    "analysis": "Thread analysis",
    "reply": "Reply drafting",
}
CHANNEL_LABELS: dict[str, str] = {
    "linkedin": "LinkedIn",
    "email": "E-mail",
    "slack": "Slack",
    "other": "Other",
}
_SOURCE_LABELS: dict[str, str] = {
    "llm": "AI model",
    "offline": "offline",
    "exact_cache": "exact cache",
    "semantic_cache": "semantic cache",
    "profile_cache": "profile cache",
    "template": "template",
}

APPROVE = "Approve"
REGENERATE = "Regenerate"
EDIT = "Edit"

MODAL_TITLE = "Draft a reply"
MODAL_SUBMIT = "Draft"
MODAL_THREAD_LABEL = "Conversation thread"
MODAL_THREAD_HINT = ("Paste the conversation, one message per line starting with the sender, "
                     "e.g. `Ana Ruiz: What does it cost?`. Up to 3,000 characters here; "
                     "use the Draft reply message shortcut for longer threads.")
MODAL_CHANNEL_LABEL = "Where the conversation happened"
MODAL_PROFILE_LABEL = "Prospect's LinkedIn profile URL"
MODAL_COMPANY_LABEL = "Company LinkedIn URL"
MODAL_WEBSITE_LABEL = "Company website"
MODAL_CONVERSATION_LABEL = "Post the draft in"
EDIT_MODAL_TITLE = "Edit draft"
MODAL_SAVE = "Save"
MODAL_TEXT_LABEL = "Reply"
MODAL_SUBJECT_LABEL = "E-mail subject"

HELP = (
    "*Draft replies to prospects with `/draft`*\n"
    "• `/draft <pasted thread>` drafts a reply to the conversation you paste. Put each message "
    "on its own line, starting with the sender: `Ana Ruiz: What does it cost for 40 seats?` "
    "(your own messages as `Rep (Your Name): …`). Start with `email` for an e-mail reply with a "
    "subject: `/draft email <pasted thread>`.\n"
    "• `/draft` on its own opens a form where you can also give the channel (LinkedIn or "
    "e-mail), the prospect's profile and company URLs.\n"
    "• In a thread, use the *Draft reply* message shortcut (the ⋮ menu on a message holding the "
    "pasted conversation), or mention me with the thread.\n"
    "• Every draft has *Approve*, *Regenerate* (a fresh version, skipping cached replies) and "
    "*Edit* buttons.\n"
    "• `/draft help` shows this message."
)

NOT_A_THREAD = (
    "That doesn't look like a conversation to reply to. Paste the thread with one message per "
    "line, each starting with the sender, e.g. `Ana Ruiz: What does it cost for 40 seats?` — "
    "or type `/draft help`."
)
NO_CONVERSATION = "Pick the conversation the draft should be posted in."
LLM_DOWN = (
    ":warning: The AI model could not be reached, so parts of this draft were written offline. "
    "Press *Regenerate* in a minute to try again."
)
OFFLINE = "offline (no AI model is configured: heuristics and templates)"
STORE_DOWN = (
    "I couldn't reach the draft store, so nothing was saved. Try again in a minute; if it keeps "
    "happening, ask whoever runs replycrew to check Redis."
)
DRAFT_FAILED = "I couldn't draft this reply."
BOT_NOT_IN_CHANNEL = (
    "I can't post in this conversation yet. Invite me with `/invite @replycrew` and try again, "
    "or use `/draft` in a channel I'm in."
)
UNKNOWN_DRAFT = (
    "I can't find that draft any more — it may have been deleted or come from an older install. "
    "Run `/draft` again to make a new one."
)
WRONG_WORKSPACE = "That draft belongs to another Slack workspace, so I can't change it from here."
ALREADY_APPROVED = "This draft is already approved."
ALREADY_REGENERATING = "A new version of this draft is already being written; it will appear here shortly."
DRAFT_TOO_LONG_TO_EDIT = (
    "This draft is longer than Slack's 3,000-character edit box. Copy it, edit it where you send "
    "it, or press *Regenerate* for a shorter one."
)
EMPTY_EDIT = "The reply can't be empty."
MODAL_DID_NOT_OPEN = ("Slack didn't let me open the form (it may have taken too long). Run `/draft` "
                      "again, or paste the thread right after it: `/draft Ana Ruiz: What does it cost?`")
ALREADY_DRAFTED_HERE = ("A draft for this message is already in its thread. Press *Regenerate* there "
                        "for another version.")
DRAFT_FALLBACK_TEXT = "Draft reply"
FORM_CANNOT_POST = ("I'm not in that conversation, so I can't post there. Invite me with "
                    "`/invite @replycrew` in it, or pick a channel I'm in.")
FORM_ARCHIVED = "That channel is archived. Pick another one."
NOT_INSTALLED = ("replycrew isn't installed in this workspace (or was removed). Ask a workspace admin "
                 "to install it from its /slack/install page, then try again.")
DRAFT_TRIMMED = ("_The draft is too long for one Slack message: this is its beginning. The full text "
                 "is attached as a file in this thread._")
DRAFT_FILE_COMMENT = "The full draft, too long for one Slack message."


def thread_too_long(length: int, limit: int) -> str:
    """The thread is over the engine's character limit."""
    return (f"That thread is too long to draft from ({length:,} characters; the limit is "
            f"{limit:,}). Paste only the latest few messages and try again.")


def cannot_post_here(where: str) -> str:
    """Slack refused the bot's post: say what works in this kind of conversation."""
    if where == "im":
        return ("I can't post in a direct message between people, so I can't draft here. Use `/draft` "
                "in a channel I'm in, or in my own DM (Apps → replycrew → Messages).")
    if where == "mpim":
        return ("I can't be added to a group DM, so I can't draft here. Use `/draft` in a channel I'm "
                "in, or in my own DM (Apps → replycrew → Messages).")
    return BOT_NOT_IN_CHANNEL


def not_your_draft(owner_id: str | None) -> str:
    """Someone other than the draft's rep (and not an approver) pressed one of its buttons."""
    who = f"<@{owner_id}>" if owner_id else "the rep who asked for it"
    return (f"Only {who} can approve, edit or regenerate this draft (or someone listed in "
            "DRAFT_APPROVERS). Nothing was changed.")


def approved_while_regenerating(version: int) -> str:
    """Approve was pressed while a new version was being written: the approval stands."""
    return (f"Version {version} was approved while a new version was being written, so the approval "
            "stands and the new version was not kept.")


def draft_file_title(version: int) -> str:
    """Title of the snippet file holding a long draft's full text."""
    return f"Full draft, version {version}"


def draft_file_failed(detail: str) -> str:
    """The long draft's file could not be uploaded."""
    return (f"The draft is too long for one Slack message and I couldn't attach the full text "
            f"({escape(detail)}). Check the app has the `files:write` scope, then press Regenerate.")


def invalid_request(detail: str) -> str:
    """A request field is invalid; `detail` names it (from describe_validation_error)."""
    return f"I couldn't use that: {escape(detail)}. Fix it and try again."


def unexpected_error(reference: str) -> str:
    """Something broke that the user cannot fix; the reference finds it in the logs."""
    return (f"Something went wrong while drafting (reference `{reference}`). Try again in a "
            "minute; if it keeps happening, give the reference to whoever runs replycrew.")


def progress_header(user_id: str | None, *, version: int = 1) -> str:
    """The first line of a progress message."""
    who = f" for <@{user_id}>" if user_id else ""
    if version > 1:
        return f":hourglass_flowing_sand: Writing version {version}{who}…"
    return f":hourglass_flowing_sand: Drafting a reply{who}…"


def source_label(source: str | None, similarity: float | None = None) -> str:
    """Where a step's output came from, e.g. `semantic cache 0.93`."""
    label = _SOURCE_LABELS.get(source or "", source or "")
    if similarity is not None:
        label = f"{label} {similarity:.2f}"
    return label


def step_waiting(name: str) -> str:
    """A step that has not finished."""
    return f":white_circle: {STEP_LABELS.get(name, name)}"


def step_done(name: str, seconds: float, source: str) -> str:
    """A finished step: done mark, seconds, source."""
    return f":white_check_mark: {STEP_LABELS.get(name, name)} — {seconds:.1f} s · {source}"


def step_failed(name: str, seconds: float, error: str | None) -> str:
    """A failed step; the draft goes on without it."""
    reason = f": {escape(error)}" if error else ""
    return f":warning: {STEP_LABELS.get(name, name)} — failed after {seconds:.1f} s{reason}"


def step_skipped(name: str) -> str:
    """A step the workflow did not need."""
    return f":heavy_minus_sign: {STEP_LABELS.get(name, name)} — skipped"


def draft_header(channel: str, *, version: int) -> str:
    """The heading over a draft (plain text, at most 150 characters)."""
    label = CHANNEL_LABELS.get(channel, channel)
    return f"Draft reply · {label}" + (f" · v{version}" if version > 1 else "")


def summary_line(total_s: float, mode: str, sources: list[str], *, offline: bool) -> str:
    """The context line under a draft: total time, mode, sources."""
    parts = [f":stopwatch: {total_s:.1f} s", mode]
    if sources:
        parts.append(", ".join(sources))
    if offline:
        parts.append(OFFLINE)
    return " · ".join(parts)


def degraded_line(llm_failed: bool) -> str:
    """Why a draft is degraded."""
    if llm_failed:
        return LLM_DOWN
    return (":warning: A step failed, so this draft was written with less context than usual. "
            "Press *Regenerate* to try again.")


def approved_line(user_id: str, when_epoch: int) -> str:
    """Who approved the draft, and when (rendered in each reader's time zone)."""
    return (f":white_check_mark: Approved by <@{user_id}> "
            f"<!date^{when_epoch}^{{date_short_pretty}} at {{time}}|at {when_epoch}>")


def edited_line(user_id: str, when_epoch: int) -> str:
    """Who last edited the draft, and when."""
    return (f":pencil2: Edited by <@{user_id}> "
            f"<!date^{when_epoch}^{{date_short_pretty}} at {{time}}|at {when_epoch}>")


def earlier_versions(numbers: list[int]) -> str:
    """A pointer to the versions kept before the one shown."""
    listed = ", ".join(f"v{n}" for n in numbers)
    return f"Earlier versions kept: {listed}"
