"""Every word the digest and stats features show in Slack, in one place to read and fix together."""

from __future__ import annotations

__all__ = [
    "CACHE_LAYER_NAMES",
    "DIGEST_HELP",
    "DIGEST_LIST_EMPTY",
    "DIGEST_LIST_HEADER",
    "DIGEST_NOTHING",
    "DIGEST_OFF_DONE",
    "DIGEST_OFF_NONE",
    "DIGEST_POST_FAILED",
    "DIGEST_SET",
    "DIGEST_STORE_DOWN",
    "DIGEST_TITLES",
    "LABEL_APPROVED",
    "LABEL_BATCHES",
    "LABEL_CACHE",
    "LABEL_CREATED",
    "LABEL_EDITED",
    "LABEL_INTENTS",
    "LABEL_PENDING",
    "LABEL_REGENERATED",
    "LABEL_TIMING",
    "LABEL_WAITING",
    "STATS_EMPTY",
    "WEEKDAY_NAMES",
    "bad_time",
    "bad_timezone",
    "bad_weekday",
    "batch_value",
    "digest_fallback",
    "intent_name",
    "more_pending",
    "pending_line",
    "period_line",
    "subscription_line",
    "timing_line",
]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DIGEST_HELP = (
    "Digests post a summary of this channel's drafts on a schedule:\n"
    "• `/draft digest daily 09:00 [Europe/Berlin]` — every day at 09:00\n"
    "• `/draft digest weekly mon 09:00 [America/New_York]` — every Monday at 09:00\n"
    "• `/draft digest list` — the digests set up in this workspace\n"
    "• `/draft digest now` — post this channel's digest right away\n"
    "• `/draft digest off` — stop this channel's digest\n"
    "The time zone is an Area/City name such as Europe/Berlin; without one, times are UTC."
)
DIGEST_SET = "Done: this channel gets a digest {schedule}. The next one is due {next_run}."
DIGEST_OFF_DONE = "Done: this channel's digest ({schedule}) is off."
DIGEST_OFF_NONE = "This channel has no digest to turn off. Set one with `/draft digest daily 09:00`."
DIGEST_LIST_HEADER = "This channel's digest (run `/draft digest list` in another channel to see its own):"
DIGEST_LIST_EMPTY = "This channel has no digest yet. Set one with `/draft digest daily 09:00`."
DIGEST_NOTHING = (
    "Nothing to report for {period}: no drafts were made in this channel. "
    "Paste a thread with `/draft` to get started."
)
DIGEST_POST_FAILED = (
    "The digest could not be posted here ({error}). Invite the app to this channel with "
    "`/invite @replycrew` and try `/draft digest now` again."
)
DIGEST_STORE_DOWN = (
    "The digest schedule could not be read or saved because the store is unreachable ({error}). "
    "Try again in a minute; if it persists, check REDIS_URL."
)
STATS_EMPTY = "No drafts in this channel in the last {days} days yet. Paste a thread with `/draft` to make one."


def bad_time(text: str) -> str:
    """The reply to a time we cannot read."""
    return f"'{text}' is not a time of day: write it as HH:MM in 24-hour time, e.g. `09:00` or `17:30`."


def bad_weekday(text: str) -> str:
    """The reply to a weekday we cannot read."""
    return f"'{text}' is not a weekday: use mon, tue, wed, thu, fri, sat or sun, e.g. `/draft digest weekly mon 09:00`."


def bad_timezone(text: str) -> str:
    """The reply to an unknown time zone."""
    return (f"'{text}' is not a time zone we know: use an Area/City name such as `Europe/Berlin`, "
            "`America/New_York` or `UTC`.")

DIGEST_TITLES = {"daily": "Daily digest", "weekly": "Weekly digest", "now": "Digest", "stats": "Draft stats"}
LABEL_CREATED = "Drafts created"
LABEL_APPROVED = "Approved"
LABEL_REGENERATED = "Regenerated"
LABEL_EDITED = "Edited"
LABEL_PENDING = "Still pending"
LABEL_BATCHES = "Batch runs"
LABEL_TIMING = "Draft time"
LABEL_CACHE = "Cache hit rate"
LABEL_INTENTS = "Top intents"
LABEL_WAITING = "Waiting for approval"
CACHE_LAYER_NAMES = {"result": "whole result", "profile": "profile", "analysis": "analysis",
                     "template": "template"}


def period_line(channel_id: str, start: str, end: str, tz: str) -> str:
    """The context line under a digest's header."""
    return f"<#{channel_id}> · {start} – {end} ({tz})"


def batch_value(runs: int, rows: int) -> str:
    """`2 (75 rows)`."""
    return f"{runs} ({rows} rows)" if runs else "0"


def timing_line(p50_ms: int | None, p95_ms: int | None, runs: int) -> str:
    """`p50 1.2 s · p95 3.4 s over 12 drafts`."""
    if p50_ms is None or p95_ms is None:
        return "no drafts timed"
    return f"p50 {p50_ms / 1000:.1f} s · p95 {p95_ms / 1000:.1f} s over {runs} draft{'s' if runs != 1 else ''}"


def pending_line(link: str | None, prospect: str | None, user_id: str | None, age: str, *,
                 preview: str = "") -> str:
    """One pending draft: a link to its message, who asked, how old."""
    label = f"Draft for {prospect}" if prospect else (f"Draft “{preview}…”" if preview else "Draft")
    head = f"<{link}|{label}>" if link else label
    who = f" by <@{user_id}>" if user_id else ""
    return f"• {head}{who} · {age} old"


def more_pending(count: int) -> str:
    """The line after the listed pending drafts."""
    return f"…and {count} more waiting."


def intent_name(intent: str) -> str:
    """`asks_pricing` -> `asks pricing`."""
    return intent.replace("_", " ")


def digest_fallback(title: str, channel_id: str, created: int, approved: int, pending: int) -> str:
    """The notification text of a digest."""
    return (f"{title} for <#{channel_id}>: {created} drafts created, {approved} approved, "
            f"{pending} still pending.")


def subscription_line(channel_id: str, schedule: str, next_run: str, *, here: bool) -> str:
    """One line of `/draft digest list`."""
    return f"• <#{channel_id}>{' (this channel)' if here else ''}: {schedule}; next {next_run}"
