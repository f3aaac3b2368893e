"""Start-up migration of a store written by an earlier release: every key moves under `rc:`.

`migrate_store` renames each prefix in `engine.keys.LEGACY` to today's (values, logs and TTLs kept;
SQLite renames a prefix in one transaction, Redis with RENAME per key), then sets
`engine.keys.MIGRATED`. With that marker present it does nothing, so every start after the first
costs one read. Several processes starting at once on one Redis may both run it: a key already
moved by the other is skipped, so the result is the same.
"""

from __future__ import annotations

import json
import logging
import time

from engine import keys
from engine.cache.store import Store
from engine.errors import StoreUnavailable

__all__ = ["migrate_store"]

log = logging.getLogger(__name__)


async def migrate_store(store: Store) -> int | None:
    """Move keys of earlier releases under `rc:`; how many moved (0 when already done), None if the store is down."""
    try:
        if await store.get(keys.MIGRATED) is not None:
            return 0
        moved = 0
        for old, new in keys.LEGACY.items():
            moved += await store.rename_prefix(old, new)
        await store.set(keys.MIGRATED, json.dumps({"at": time.time(), "moved": moved}))
    except StoreUnavailable as exc:  # tried again on the next start; nothing is lost meanwhile
        log.warning("store keys not migrated (the %s store is unreachable): %s", store.name, exc)
        return None
    if moved:
        log.info("moved %d keys of an earlier release under %s", moved, keys.ROOT)
    return moved
