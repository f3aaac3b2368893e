"""Block Kit for digests and `/draft stats`: pure functions, inside Block Kit's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.digests import messages as msg
from bot.digests.report import DigestReport
from bot.mrkdwn import escape

__all__ = ["MAX_PENDING_LISTED", "digest_blocks", "digest_text"]

MAX_PENDING_LISTED = 10
_MAX_SECTION = 3000  # characters in a section's text
_MAX_FIELD = 2000  # characters in a section field
_MAX_HEADER = 150
_TOP_INTENTS = 5

Block = dict[str, Any]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_MAX_SECTION]}}


def _fields(pairs: list[tuple[str, str]]) -> Block:
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*{label}*\n{value}"[:_MAX_FIELD]} for label, value in pairs[:10]
    ]}


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def _local(epoch: float, tz: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(tz)).strftime("%a %d %b %H:%M")


def _pending_text(report: DigestReport) -> str:
    lines = [f"*{msg.LABEL_WAITING}*"]
    for item in report.pending[:MAX_PENDING_LISTED]:
        lines.append(msg.pending_line(item.link, escape(item.prospect) if item.prospect else None,
                                      item.user_id, _age(report.until - item.created_at),
                                      preview=escape(item.preview).replace("|", "/")))
    hidden = len(report.pending) - MAX_PENDING_LISTED
    if hidden > 0:
        lines.append(msg.more_pending(hidden))
    text = "\n".join(lines)
    if len(text) > _MAX_SECTION:  # long prospect names: keep whole lines only
        text = text[:_MAX_SECTION].rsplit("\n", 1)[0]
    return text


def digest_text(report: DigestReport, *, kind: str) -> str:
    """The notification (fallback) text of a digest."""
    return msg.digest_fallback(msg.DIGEST_TITLES.get(kind, "Digest"), report.channel_id, report.created,
                               report.approved, len(report.pending))


def digest_blocks(report: DigestReport, *, kind: str, tz: str = "UTC") -> list[Block]:
    """A digest (kind daily, weekly or now) or a stats summary (kind stats) of one channel."""
    title = msg.DIGEST_TITLES.get(kind, "Digest")
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:_MAX_HEADER], "emoji": True}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": msg.period_line(
            report.channel_id, _local(report.since, tz), _local(report.until, tz), tz)}]},
    ]
    if report.empty:
        days = max(1, round((report.until - report.since) / 86400))
        period = "the last day" if days == 1 else f"the last {days} days"
        blocks.append(_section(msg.DIGEST_NOTHING.format(period=period)))
        return blocks
    blocks.append(_fields([
        (msg.LABEL_CREATED, str(report.created)),
        (msg.LABEL_APPROVED, str(report.approved)),
        (msg.LABEL_REGENERATED, str(report.regenerated)),
        (msg.LABEL_EDITED, str(report.edited)),
        (msg.LABEL_PENDING, str(len(report.pending))),
        (msg.LABEL_BATCHES, msg.batch_value(report.batch_runs, report.batch_rows)),
    ]))
    blocks.append(_section(f"*{msg.LABEL_TIMING}*  "
                           + msg.timing_line(report.p50_ms, report.p95_ms, len(report.draft_ms))))
    if report.cache:
        rates = [f"{msg.CACHE_LAYER_NAMES.get(name, name)} {stats.rate:.0%} ({stats.hits}/{stats.lookups})"
                 for name, stats in report.cache.items() if stats.lookups]
        blocks.append(_section(f"*{msg.LABEL_CACHE}*  " + " · ".join(rates)))
    if report.intents:
        top = ", ".join(f"{msg.intent_name(intent)} ×{count}"
                        for intent, count in report.intents.most_common(_TOP_INTENTS))
        blocks.append(_section(f"*{msg.LABEL_INTENTS}*  {top}"))
    if report.pending:
        blocks.append(_section(_pending_text(report)))
    return blocks
