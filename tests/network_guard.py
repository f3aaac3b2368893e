"""Sees every DNS lookup and socket connect the test process makes, to keep the suite on loopback.

A Python audit hook (process-wide, installed once) records each lookup or connect whose host is
not loopback and stops it with an OSError (so no packet leaves, even from a background thread
that swallows the error); tests/conftest.py fails the test during which one happened. Subprocesses (the
redis-server, batch worker processes) are not seen: audit hooks do not cross process boundaries.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from typing import Any

__all__ = ["OutsideNetworkBlocked", "install", "is_loopback", "take_outside_contacts"]

_LOOKUPS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                      "socket.gethostbyaddr"})
_lock = threading.Lock()
_contacts: list[str] = []
_installed = False


class OutsideNetworkBlocked(OSError):
    """A test tried to look up or connect to a host that is not loopback."""


def is_loopback(host: object) -> bool:
    """True for hosts that stay on this machine: localhost, 127.0.0.0/8, ::1, or no host at all."""
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _LOOKUPS:
        host: object = args[0] if args else None
    elif event == "socket.connect" and len(args) > 1 and isinstance(args[1], tuple):
        host = args[1][0]  # (host, port[, flowinfo, scope_id]); a str address is a Unix socket
    else:
        return
    if not is_loopback(host):
        contact = f"{event} {host!r}"
        with _lock:
            _contacts.append(contact)
        raise OutsideNetworkBlocked(f"blocked by tests/network_guard.py: {contact}")


def install() -> None:
    """Start recording (once per process; an audit hook cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


def take_outside_contacts() -> list[str]:
    """The non-loopback lookups and connects recorded since the last call."""
    with _lock:
        taken = list(_contacts)
        _contacts.clear()
    return taken
