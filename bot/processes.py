"""`replycrew serve --workers N`: N serving processes on one port (SO_REUSEPORT), so Slack and REST
drafts use every core instead of one GIL.

The first process starts the other N-1 (`replycrew serve` with REPLYCREW_SERVE_CHILD set) and
all of them bind HOST:PORT with `reuse_port`; the kernel spreads connections over them. They share
state through the store (SQLite under DATA_DIR, or Redis). What each keeps in memory stays its
own: a /ws socket or the /dashboard sees the runs of the process it is connected to, and /metrics
counts one process's work per scrape.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading

__all__ = ["CHILD_ENV", "default_workers", "start_children", "stop_children", "watch_parent"]

log = logging.getLogger(__name__)
CHILD_ENV = "REPLYCREW_SERVE_CHILD"


def default_workers() -> int:
    """One serving process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def start_children(count: int, argv: list[str]) -> list[subprocess.Popen[bytes]]:
    """Start `count` more serving processes (the same command, marked as children)."""
    env = {**os.environ, CHILD_ENV: str(os.getpid())}
    return [subprocess.Popen([sys.executable, "-m", "bot.cli", *argv], env=env) for _ in range(count)]


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """The parent is stopping: so do the children (each finishes its requests in flight)."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def watch_parent() -> None:
    """In a child: exit when the parent is gone (SIGKILLed), never serve on as an orphan."""
    parent = int(os.environ.get(CHILD_ENV) or 0)
    if not parent:
        return

    def watch() -> None:
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="serve-parent-watch", daemon=True).start()
