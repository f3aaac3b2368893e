"""Which workspace (and Enterprise Grid org) a Slack request is from, the same way for every handler.

Bolt works it out for each request (`context.team_id`, `context.enterprise_id`): it reads
`view.app_installed_team_id` for an org-wide install, `team.id`, `team_id`, the event's team, or
`user.team_id`, so a payload with `team: null` (an org-wide install on Enterprise Grid, a Slack
Connect guest) still has a team. Handlers never index `body["team"]["id"]` themselves.

A tenant is (enterprise, team): drafts, caches and batches are kept apart per tenant. Its `key` is
the plain team id outside Grid (so single-workspace data keeps its keys) and `E…:T…` inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Tenant", "tenant_of"]


@dataclass(frozen=True)
class Tenant:
    """One workspace, within its Grid org when it has one."""

    team_id: str | None
    enterprise_id: str | None = None

    @property
    def key(self) -> str:
        """The id drafts, batches and digests are stored under."""
        team = self.team_id or "-"
        return f"{self.enterprise_id}:{team}" if self.enterprise_id else team

    @property
    def scope(self) -> str:
        """The engine's cache scope: nothing cached for one tenant is served to another."""
        return f"team:{self.key}"


def tenant_of(context: Mapping[str, Any], body: Mapping[str, Any] | None = None) -> Tenant:
    """The request's tenant from Bolt's context (the body only as a last resort)."""
    team = context.get("team_id")
    enterprise = context.get("enterprise_id")
    if not team and body is not None:
        user = body.get("user") if isinstance(body.get("user"), Mapping) else {}
        view = body.get("view") if isinstance(body.get("view"), Mapping) else {}
        team = (view or {}).get("app_installed_team_id") or (user or {}).get("team_id")
    return Tenant(team_id=str(team) if team else None, enterprise_id=str(enterprise) if enterprise else None)
