"""One channel's activity over a period, computed from its own draft records only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.digests.activity import IntentIndex, batch_runs
from bot.drafts import DraftRecord, DraftStore, DraftVersion
from engine.cache.store import Store
from engine.stats import percentile_ms

__all__ = ["CacheLayerStats", "DigestReport", "PendingDraft", "build_report", "message_link"]

# Pending drafts older than this are not listed: a draft nobody approved in a month is abandoned.
PENDING_LOOKBACK_S = 30 * 24 * 3600
_ENGINE_KINDS = ("drafted", "regenerated")
_PREVIEW_CHARS = 60


@dataclass(frozen=True)
class PendingDraft:
    """A draft still waiting for approval, with a link to its message."""

    draft_id: str
    created_at: float
    link: str | None
    prospect: str | None
    user_id: str | None
    preview: str = ""  # the start of the draft, for drafts with no prospect name


@dataclass
class CacheLayerStats:
    """How often one cache layer served a step, among the runs that consulted it."""

    hits: int = 0
    lookups: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0


@dataclass
class DigestReport:
    """What a digest or `/draft stats` says about one channel between `since` and `until`."""

    team_id: str
    channel_id: str
    since: float
    until: float
    created: int = 0
    approved: int = 0
    regenerated: int = 0
    edited: int = 0
    failed: int = 0
    pending: list[PendingDraft] = field(default_factory=list)
    batch_runs: int = 0
    batch_rows: int = 0
    draft_ms: list[int] = field(default_factory=list)
    cache: dict[str, CacheLayerStats] = field(default_factory=dict)
    intents: Counter[str] = field(default_factory=Counter)

    @property
    def empty(self) -> bool:
        return not (self.created or self.approved or self.regenerated or self.edited
                    or self.pending or self.batch_runs)

    @property
    def p50_ms(self) -> int | None:
        return percentile_ms(self.draft_ms, 0.50)

    @property
    def p95_ms(self) -> int | None:
        return percentile_ms(self.draft_ms, 0.95)



def message_link(slack_api_url: str, channel_id: str, ts: str | None) -> str | None:
    """A permalink-style URL of a message on the Slack host the app talks to."""
    if not ts:
        return None
    parts = urlsplit(slack_api_url)
    return f"{parts.scheme}://{parts.netloc}/archives/{channel_id}/p{ts.replace('.', '')}"


def _count_cache(report: DigestReport, version: DraftVersion) -> None:
    steps = {step.name: step for step in version.steps}
    reply = steps.get("reply")
    layer = report.cache.setdefault("result", CacheLayerStats())
    layer.lookups += 1
    if reply is not None and reply.source == "exact_cache":
        layer.hits += 1  # the whole result came from the exact cache
        return
    for name, hit_sources in (("profile", ("profile_cache",)),
                              ("analysis", ("exact_cache", "semantic_cache"))):
        step = steps.get(name)
        if step is None or step.status != "ok":
            continue
        stats = report.cache.setdefault(name, CacheLayerStats())
        stats.lookups += 1
        stats.hits += step.source in hit_sources
    if reply is not None and reply.status == "ok":
        template = report.cache.setdefault("template", CacheLayerStats())
        template.lookups += 1
        template.hits += reply.source == "template"


async def _add_record(report: DigestReport, record: DraftRecord, *, intents: IntentIndex,
                      slack_api_url: str) -> None:
    since, until = report.since, report.until
    if since <= record.created_at < until:
        report.created += 1
        report.failed += record.status == "failed"
        first = next((v for v in record.versions if v.kind in _ENGINE_KINDS and v.request_id), None)
        intent = await intents.intent(first.request_id) if first and first.request_id else None
        if intent:
            report.intents[intent] += 1
    if record.approved_at is not None and since <= record.approved_at < until:
        report.approved += 1
    for version in record.versions:
        if not since <= version.created_at < until:
            continue
        report.regenerated += version.kind == "regenerated"
        report.edited += version.kind == "edited"
        if version.kind in _ENGINE_KINDS:
            report.draft_ms.append(version.total_ms)
            _count_cache(report, version)
    if record.status == "ready" and until - PENDING_LOOKBACK_S <= record.created_at < until:
        report.pending.append(PendingDraft(
            draft_id=record.draft_id, created_at=record.created_at,
            link=message_link(slack_api_url, record.channel_id, record.message_ts),
            prospect=record.request.prospect_name, user_id=record.user_id,
            preview=" ".join((record.current.text if record.current else "").split())[:_PREVIEW_CHARS],
        ))


async def build_report(*, store: Store, drafts: DraftStore, intents: IntentIndex, team_id: str,
                       channel_id: str, since: float, until: float, slack_api_url: str) -> DigestReport:
    """The report of one channel: only drafts and batches posted in that team's channel."""
    report = DigestReport(team_id=team_id, channel_id=channel_id, since=since, until=until)
    async for record in drafts.in_channel(team_id, channel_id):
        # The channel index is per team and channel already; checking again costs nothing and
        # keeps a mis-filed record from leaking into another channel's digest.
        if record.team_id == team_id and record.channel_id == channel_id:
            await _add_record(report, record, intents=intents, slack_api_url=slack_api_url)
    report.pending.sort(key=lambda item: item.created_at)
    for run in await batch_runs(store, team_id=team_id, channel_id=channel_id, since=since, until=until):
        report.batch_runs += 1
        report.batch_rows += int(run.get("total", 0))
    return report
