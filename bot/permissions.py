"""Who may act on a draft or a batch: the rep who asked for it, and the users in DRAFT_APPROVERS.

Anyone in a channel sees a draft's buttons (Slack has no per-user buttons in a shared message), so
every click is checked here; a refused click gets a private explanation and changes nothing.
"""

from __future__ import annotations

from bot.settings import Settings

__all__ = ["may_act"]


def may_act(settings: Settings, *, user_id: str | None, owner_id: str | None) -> bool:
    """Whether `user_id` may Approve, Edit or Regenerate (a draft) or Cancel (a batch) of `owner_id`."""
    if not user_id:
        return False
    return user_id == owner_id or user_id in settings.draft_approver_ids
