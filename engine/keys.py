"""What we store: every store key prefix, under one root, with what it holds and who writes it.

Every key the app writes to its store (SQLite file or Redis) starts with `ROOT`. `FAMILIES` is the
answer to "what do we store?"; modules take their prefix from the constants below, never spell
one. `LEGACY` maps the prefixes releases before this one wrote (four styles, no common root) to
today's; `engine.migrate` renames those keys once on start-up, keeping values and TTLs.
Hashing and normalisation for cache keys stay in `engine.cache.keys`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ANALYSIS", "BATCH", "BATCH_RUNNING", "DIGEST_BATCHES", "DIGEST_INTENT", "DIGEST_SCHEDULE", "DIGEST_SENT",
    "DRAFT", "DRAFT_BUSY", "DRAFT_CHANNEL", "DRAFT_TEAM", "FAMILIES", "FAQ", "LEGACY", "MIGRATED", "PROFILE",
    "RESULT", "ROOT", "SEMANTIC_ENTRY", "SEMANTIC_LOG", "SEMANTIC_VECTOR", "SLACK_BATCH", "SLACK_BATCH_ACTIVE",
    "SLACK_BATCH_FILE", "SLACK_INSTALL", "SLACK_OAUTH_STATE", "SLACK_ONCE", "SLACK_RATE", "SLACK_STREAM_OFF",
    "SLACK_THREAD_CONTEXT", "KeyFamily",
]

ROOT = "rc:"


@dataclass(frozen=True)
class KeyFamily:
    """One kind of thing we store: its prefix, what a value is, who writes it, how long it lives."""

    prefix: str
    holds: str
    owner: str
    kind: Literal["value", "log"] = "value"
    lifetime: str = "TTL"


FAMILIES: tuple[KeyFamily, ...] = (
    # Caches (engine/cache/): losing them costs time, never data.
    KeyFamily(f"{ROOT}wf:", "whole results, by scope + normalised request", "engine.cache.exact"),
    KeyFamily(f"{ROOT}pf:", "prospect profiles, by normalised URLs (+ given name)", "engine.cache.exact"),
    KeyFamily(f"{ROOT}an:", "analyses of exactly this thread, by scope", "engine.cache.semantic"),
    KeyFamily(f"{ROOT}sv:", "'<expires>|<base64 float32>' vectors the in-process index is rebuilt from",
              "engine.cache.semantic"),
    KeyFamily(f"{ROOT}se:", "the analysis and guard signature a vector points at", "engine.cache.semantic"),
    KeyFamily(f"{ROOT}slog", "append-only log of new vector keys (how other processes learn of them)",
              "engine.cache.semantic", kind="log", lifetime="forever"),
    KeyFamily(f"{ROOT}faq:", "answers to recurring questions, by scope and topic", "engine.cache.faq"),
    # Batches (engine/batch/, keys built in engine.batch.keys): the store is a batch's record, the
    # queue (saq, its own `saq:` keys in the same Redis) only carries its jobs.
    KeyFamily(f"{ROOT}batch:", "<batch id>:meta|in:<row>|out:<row>|source|cancel: a batch's input, each row's one "
              "result, its CSV, its cancel mark; <batch id>:log (a log): one line per row with a result",
              "engine.batch.record"),
    KeyFamily(f"{ROOT}batch-running:", "<batch id>: batches not finished yet", "engine.batch.record"),
    # Slack drafts (bot/drafts.py): the message a rep approves, edits, regenerates.
    KeyFamily(f"{ROOT}draft:", "<team>:<draft id>: the draft record (JSON)", "bot.drafts", lifetime="forever"),
    KeyFamily(f"{ROOT}draft-team:", "<draft id>: its team", "bot.drafts", lifetime="forever"),
    KeyFamily(f"{ROOT}draft-channel:", "<team>:<channel>: draft ids in order", "bot.drafts", kind="log",
              lifetime="forever"),
    KeyFamily(f"{ROOT}draft-busy:", "<team>:<draft id>: a button is being handled", "bot.drafts"),
    # Slack idempotency (bot/redelivery.py): a retried delivery is handled once.
    KeyFamily(f"{ROOT}slack-once:", "<team>:<event or trigger>: this delivery was handled", "bot.redelivery"),
    # Slack CSV batches (bot/batches/).
    KeyFamily(f"{ROOT}slack-batch-active:", "<batch id>: a Slack batch not delivered yet", "bot.batches.service"),
    KeyFamily(f"{ROOT}slack-batch:", "<batch id>:csv|lease|cancel: its upload, owner, cancel request",
              "bot.batches.service"),
    KeyFamily(f"{ROOT}slack-batch-file:", "<team>:<file id>: this upload was taken", "bot.batches.service"),
    # Slack installs (bot/install/): many workspaces through OAuth.
    KeyFamily(f"{ROOT}slack-install:", "<enterprise|->:<team|->:bot|installation: Fernet-sealed install record",
              "bot.install.installations", lifetime="forever"),
    KeyFamily(f"{ROOT}slack-oauth-state:", "<state>[:used]: one install's OAuth state, consumed once",
              "bot.install.states"),
    # Slack rate budgets (bot/ratelimit.py): shared by every process.
    KeyFamily(f"{ROOT}slack-rate:", "<method>:<team>[:<channel>]: when the next call may go", "bot.ratelimit"),
    # Digests (bot/digests/).
    KeyFamily(f"{ROOT}digest-schedule:", "<team>:<channel>: a channel's digest schedule and next run",
              "bot.digests.scheduler", lifetime="forever"),
    KeyFamily(f"{ROOT}digest-sent:", "<team>:<channel>:<fire time>: posted once across processes",
              "bot.digests.service"),
    KeyFamily(f"{ROOT}digest-intent:", "<request id>: a draft's intent, for the digest", "bot.digests.activity"),
    KeyFamily(f"{ROOT}digest-batches:", "<team>:<channel>: batch runs, for the digest", "bot.digests.activity",
              kind="log", lifetime="forever"),
    # The agent surface (bot/stream_fallback.py, bot/handlers/assistant.py).
    KeyFamily(f"{ROOT}slack-stream-off:", "<team>: why this workspace refused chat.startStream",
              "bot.stream_fallback"),
    KeyFamily(f"{ROOT}slack-thread-context:", "<channel>:<thread ts>: the channel a rep's agent thread "
              "was opened from (Bolt's thread context)", "bot.handlers.assistant"),
    # The store itself.
    KeyFamily(f"{ROOT}meta:", "migrated:<version>: which key migration has run", "engine.migrate",
              lifetime="forever"),
)

(RESULT, PROFILE, ANALYSIS, SEMANTIC_VECTOR, SEMANTIC_ENTRY, SEMANTIC_LOG, FAQ, BATCH, BATCH_RUNNING, DRAFT,
 DRAFT_TEAM, DRAFT_CHANNEL, DRAFT_BUSY, SLACK_ONCE, SLACK_BATCH_ACTIVE, SLACK_BATCH, SLACK_BATCH_FILE,
 SLACK_INSTALL, SLACK_OAUTH_STATE, SLACK_RATE, DIGEST_SCHEDULE, DIGEST_SENT, DIGEST_INTENT, DIGEST_BATCHES,
 SLACK_STREAM_OFF, SLACK_THREAD_CONTEXT,
 _META) = (f.prefix for f in FAMILIES)

MIGRATED = f"{_META}migrated:1"  # set once every LEGACY prefix below has been renamed

# Prefixes written before every key had the `rc:` root -> today's. Digest schedules lived in
# APScheduler job stores (Redis hash `replycrew:digest:jobs`, DATA_DIR/jobs.sqlite3); engine.migrate
# is handed those by bot.digests.legacy, since only bot/ knows the shape of a digest.
LEGACY: dict[str, str] = {
    "batch:": BATCH,
    "batches:running:": BATCH_RUNNING,
    "draft:": DRAFT,
    "draft-team:": DRAFT_TEAM,
    "draft-channel:": DRAFT_CHANNEL,
    "draft-busy:": DRAFT_BUSY,
    "slack-once:": SLACK_ONCE,
    "slack-batches:active:": SLACK_BATCH_ACTIVE,
    "slack-batch:": SLACK_BATCH,
    "slack-batch-file:": SLACK_BATCH_FILE,
    "digest-sent:": DIGEST_SENT,
    "digest-intent:": DIGEST_INTENT,
    "digest-batches:": DIGEST_BATCHES,
}
