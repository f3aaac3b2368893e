"""The type each CLI module registers its subcommand on, without naming argparse's private classes."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

__all__ = ["Subcommands"]


class Subcommands(Protocol):
    """What `ArgumentParser.add_subparsers()` returns, as far as we use it: `add_parser`."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...
