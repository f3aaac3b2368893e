"""The `replycrew` command: serve, draft, batch, cache, templates."""

from bot.cli.main import main

__all__ = ["main"]
