"""Workspaces, tokens, installs and conversations of the fake Slack.

- Tokens are per workspace: `oauth.v2.access` exchanges a one-time `code` for a new bot token of
  the installing team (https://docs.slack.dev/reference/methods/oauth.v2.access: the response carries
  `access_token`, `token_type: "bot"`, `scope`, `bot_user_id`, `app_id`, `team {id, name}`,
  `enterprise` (null outside Enterprise Grid) and `is_enterprise_install`; a reused or unknown code is
  `invalid_code`, wrong credentials `invalid_client_id` / `bad_client_secret`). An org-wide install on
  Enterprise Grid has `team: null` and `is_enterprise_install: true`
  (https://docs.slack.dev/enterprise-grid/developing-for-enterprise-grid).
- `auth.revoke`/uninstall make a token answer `token_revoked`; an unknown one `invalid_auth`
  (https://docs.slack.dev/authentication/tokens).
- Conversations: a public channel the bot is not in takes posts only with `chat:write.public`, else
  `not_in_channel`; a private channel, DM or group DM the bot is not in is invisible to it:
  `channel_not_found` (https://docs.slack.dev/reference/methods/chat.postMessage, Errors).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Conversation", "Install", "Workspaces"]

DEFAULT_SCOPES = ("commands", "chat:write", "chat:write.public", "app_mentions:read", "files:read",
                  "files:write", "im:history")


@dataclass
class Install:
    """One installation of the app: a bot token for one team (or a whole Grid org)."""

    token: str
    team_id: str | None
    enterprise_id: str | None = None
    bot_user_id: str = "U0BOT"
    is_enterprise_install: bool = False
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    revoked: bool = False


@dataclass
class Conversation:
    """A conversation the fake knows; unknown ids are public channels (see `Workspaces.conversation`)."""

    id: str
    kind: str = "public"  # public | private | im | mpim
    members: set[str] = field(default_factory=set)
    bot_member: bool = True
    archived: bool = False


class Workspaces:
    """Installs by token, pending OAuth codes, and conversations."""

    def __init__(self, *, token: str, team_id: str, bot_user_id: str, client_id: str,
                 client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.installs: dict[str, Install] = {token: Install(token=token, team_id=team_id,
                                                            bot_user_id=bot_user_id)}
        self.codes: dict[str, Install] = {}
        self.conversations: dict[str, Conversation] = {}

    def install_for(self, token: str | None) -> Install | None:
        return self.installs.get(token or "")

    def new_code(self, *, team_id: str | None, enterprise_id: str | None = None,
                 is_enterprise_install: bool = False, bot_user_id: str = "U0BOT2") -> str:
        """A one-time code as Slack puts on the redirect after a user approves the install."""
        code = f"code-{uuid.uuid4().hex[:12]}"
        owner = team_id or enterprise_id or "org"
        self.codes[code] = Install(token=f"xoxb-{owner}-{uuid.uuid4().hex[:16]}", team_id=team_id,
                                   enterprise_id=enterprise_id, bot_user_id=bot_user_id,
                                   is_enterprise_install=is_enterprise_install)
        return code

    def oauth_v2_access(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        install = self.codes.pop(str(args.get("code") or ""), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        self.installs[install.token] = install
        team = {"id": install.team_id, "name": f"Team {install.team_id}"} if install.team_id else None
        enterprise = ({"id": install.enterprise_id, "name": f"Org {install.enterprise_id}"}
                      if install.enterprise_id else None)
        return {"ok": True, "app_id": "A0TEST", "authed_user": {"id": "U0INSTALLER"},
                "scope": ",".join(install.scopes), "token_type": "bot", "access_token": install.token,
                "bot_user_id": install.bot_user_id, "team": team, "enterprise": enterprise,
                "is_enterprise_install": install.is_enterprise_install}

    def revoke_team(self, team_id: str) -> list[str]:
        """Slack revokes a team's tokens when the app is uninstalled; returns them."""
        gone = [i.token for i in self.installs.values() if i.team_id == team_id and not i.revoked]
        for token in gone:
            self.installs[token].revoked = True
        return gone

    # ---- conversations ----------------------------------------------------------------------

    def add(self, channel_id: str, *, kind: str | None = None, bot_member: bool = True,
            members: set[str] | None = None) -> Conversation:
        kind = kind or {"D": "im", "G": "private"}.get(channel_id[:1], "public")
        conversation = Conversation(id=channel_id, kind=kind, bot_member=bot_member,
                                    members=set(members or ()))
        self.conversations[channel_id] = conversation
        return conversation

    def conversation(self, channel_id: str) -> Conversation:
        # Ids the test never declared behave as public channels the bot was added to.
        return self.conversations.get(channel_id) or Conversation(id=channel_id)

    def post_error(self, channel_id: str, install: Install) -> str | None:
        """Why the bot cannot post in a conversation, as Slack names it, or None."""
        conversation = self.conversation(channel_id)
        if conversation.archived:
            return "is_archived"
        if conversation.bot_member:
            return None
        if conversation.kind == "public":
            return None if "chat:write.public" in install.scopes else "not_in_channel"
        return "channel_not_found"
