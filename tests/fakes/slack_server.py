"""A fake Slack Web API on 127.0.0.1 that the real slack_sdk client talks to over HTTP.

It answers the methods replycrew uses (auth.test, chat.postMessage/update/postEphemeral, the
chat.*Stream and assistant.threads.* of slack_streams.py, views.*, users.info, conversations.info,
files.* and apps.connections.open for Socket Mode), records every call in `calls`, keeps the messages it was
sent (so a chat.update of an unknown ts fails as on Slack), and validates every `blocks` and `view`
with slack_sdk's own models — an invalid payload gets `invalid_blocks`, as Slack would answer, and
is listed in `invalid`. It can answer 429 with Retry-After, or a chosen error, for the next calls.
POSTs to `response_url(...)` (Bolt's `respond`) are kept in `responses`.

    fake = await FakeSlack().start()
    settings = Settings(slack_api_url=fake.url, slack_bot_token=fake.token, ...)
    fake.rate_limit("chat.update", times=1, retry_after=0)
    await fake.wait_for(lambda f: len(f.calls_to("chat.update")) >= 2)
    await fake.close()

Socket Mode (`socket_send`), files and streams are mixed in from slack_socket/_files/_streams.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.block_kit import validate_blocks, validate_view
from tests.fakes.slack_files import SlackFiles
from tests.fakes.slack_limits import RateBudgets
from tests.fakes.slack_records import SlackCall, SlackMessage, as_list, block_texts, read_args
from tests.fakes.slack_socket import SlackSocket
from tests.fakes.slack_streams import SlackStreams
from tests.fakes.slack_workspaces import Install, Workspaces

__all__ = ["MAX_BLOCKS_TEXT", "FakeSlack", "SlackCall", "SlackMessage", "block_texts"]

MAX_TEXT = 40_000
# Undocumented: Slack refuses a message whose blocks hold more than about 12,000 characters of text
# with `msg_blocks_too_long` (Slack's answer in https://github.com/slackapi/bolt-js/issues/2509:
# "12,000 text characters with a buffer for block containers"). The fake counts the text only.
MAX_BLOCKS_TEXT = 12_000
# Methods called without a bot token (the OAuth exchange, Socket Mode's app-level token).
_TOKENLESS = {"oauth.v2.access", "apps.connections.open"}


class FakeSlack(SlackFiles, SlackSocket, SlackStreams):
    """The fake Web API server; see the module docstring."""

    def __init__(self, *, token: str = "xoxb-test-token", team_id: str = "T0TEST",
                 bot_user_id: str = "U0BOT", latency: float = 0.0, rate_scale: float = 1.0,
                 rate_limits: bool = True, client_id: str = "111.222",
                 client_secret: str = "fake-client-secret") -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.latency = latency
        # Slack's rate limits, on unless a test turns them off; rate_scale shortens their minute.
        self.budgets = RateBudgets(scale=rate_scale, enabled=rate_limits)
        self.workspaces = Workspaces(token=token, team_id=team_id, bot_user_id=bot_user_id,
                                     client_id=client_id, client_secret=client_secret)
        # Who approves the next install on the fake's consent page (see `authorize`).
        self.installer: dict[str, Any] = {"team_id": "T0OTHER"}
        # The app's configured Redirect URL, used when the authorize link names none (as Slack does).
        self.redirect_uri: str | None = None
        # file id -> URL: url_private answers 302 there (as Slack may, to a CDN).
        self.redirect_downloads: dict[str, str] = {}
        self.calls: list[SlackCall] = []
        self.responses: list[dict[str, Any]] = []
        self.messages: dict[tuple[str, str], SlackMessage] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.invalid: list[tuple[str, str]] = []
        self.socket_acks: list[dict[str, Any]] = []
        self.downloads: list[dict[str, Any]] = []  # GETs of url_private: file id, Authorization
        self.uploads: list[dict[str, Any]] = []  # POSTs to an upload URL: file id, bytes
        self._failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self._caller: Install | None = None  # the install whose token made the current call
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files/{file_id}/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        app.router.add_get("/_fake/calls", self._dump_calls)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL to give as SLACK_API_URL."""
        return f"{self.base}/api/"

    def response_url(self, key: str | None = None) -> str:
        """A response_url whose POSTs land in `responses`."""
        return f"{self.base}/response/{key or uuid.uuid4().hex[:12]}"

    # ---- scripting -------------------------------------------------------------------------

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._failures.setdefault(method, []).extend([(429, "ratelimited", retry_after)] * times)

    def saturate(self, method: str, *, seconds: float, retry_after: int = 1) -> None:
        """The workspace is over `method`'s budget for `seconds`: every call gets 429 meanwhile."""
        self.budgets.saturate(method, seconds=seconds, retry_after=retry_after)

    def refuse(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        self._failures.setdefault(method, []).extend([(200, error, None)] * times)

    def add_channel(self, channel_id: str, *, kind: str | None = None, bot_member: bool = True,
                    members: set[str] | None = None) -> None:
        """Declare a conversation: `kind` public/private/im/mpim (from the id's first letter when not
        given); `bot_member=False` for one the bot was not invited to."""
        self.workspaces.add(channel_id, kind=kind, bot_member=bot_member, members=members)

    def invite(self, channel_id: str) -> None:
        """`/invite @replycrew` in a conversation."""
        self.workspaces.conversation(channel_id).bot_member = True
        self.workspaces.conversations.setdefault(channel_id, self.workspaces.conversation(channel_id))

    def uninstall(self, team_id: str) -> list[str]:
        """The app is removed from a workspace: its tokens answer `token_revoked` from now on."""
        return self.workspaces.revoke_team(team_id)

    # ---- reading what happened -------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every call of one method, in order (failed ones included)."""
        return [call for call in self.calls if call.method == method]

    def message(self, channel: str, ts: str) -> SlackMessage:
        return self.messages[(channel, ts)]

    def messages_in(self, channel: str, *, thread_ts: str | None = None) -> list[SlackMessage]:
        """Messages posted in a channel (or one thread of it), oldest first."""
        return [m for (c, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
                if c == channel and (thread_ts is None or m.thread_ts == thread_ts)]

    async def wait_for(self, predicate: Callable[[FakeSlack], bool], *, within: float = 10.0) -> None:
        """Wait until `predicate(self)` holds; raises TimeoutError after `within` seconds."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await read_args(request)
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else args.pop("token", None)
        install = self.workspaces.install_for(token)
        call = SlackCall(method=method, args=args, token=token, at=time.perf_counter(),
                         team=(install.team_id or install.enterprise_id) if install else None)
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            queued = self._failures.get(method)
            if queued:
                status, error, retry_after = queued.pop(0)
                call.status, call.error = status, error
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
            if method == "oauth.v2.access":
                body = self.workspaces.oauth_v2_access(args, header)
                call.error = None if body["ok"] else str(body["error"])
                return web.json_response(body)
            if method not in _TOKENLESS and (install is None or install.revoked):
                call.error = "token_revoked" if install is not None else "invalid_auth"
                return web.json_response({"ok": False, "error": call.error})
            if install is not None:
                wait = self.budgets.retry_after(method, team=str(call.team),
                                                channel=str(args.get("channel") or "") or None)
                if wait is not None:
                    call.status, call.error = 429, "ratelimited"
                    return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                             headers={"Retry-After": str(wait)})
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                call.error = "unknown_method"
                return web.json_response({"ok": False, "error": "unknown_method"})
            self._caller = install
            body = handler(args)
            if not body.get("ok"):
                call.error = str(body.get("error"))
                if call.error == "invalid_blocks":
                    self.invalid.append((method, str(body.get("detail"))))
            return web.json_response(body)
        finally:
            await self._notify()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _check_message(self, args: dict[str, Any]) -> dict[str, Any] | None:
        blocks = args.get("blocks")
        if blocks is not None:
            problem = validate_blocks(blocks)
            if problem:
                return {"ok": False, "error": "invalid_blocks", "detail": problem}
        if not args.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        if len(str(args.get("text") or "")) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and sum(len(t) for t in block_texts(as_list(blocks))) > MAX_BLOCKS_TEXT:
            return {"ok": False, "error": "msg_blocks_too_long"}
        return None

    def _cannot_post(self, args: dict[str, Any]) -> dict[str, Any] | None:
        install = self._caller
        error = self.workspaces.post_error(str(args.get("channel") or ""), install) if install else None
        return {"ok": False, "error": error} if error else None

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        install = self._caller or Install(token="", team_id=self.team_id)
        return {"ok": True, "url": f"{self.base}/", "team": f"Team {install.team_id}", "user": "replycrew",
                "team_id": install.team_id, "user_id": install.bot_user_id, "bot_id": "B0BOT",
                "enterprise_id": install.enterprise_id,
                "is_enterprise_install": install.is_enterprise_install}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        problem = self._cannot_post(args) or self._check_message(args)
        if problem:
            return problem
        ts = self._next_ts()
        channel = str(args["channel"])
        blocks = as_list(args.get("blocks"))
        message = SlackMessage(channel=channel, ts=ts, text=str(args.get("text") or ""), blocks=blocks,
                               thread_ts=args.get("thread_ts"))
        message.history.append({"text": message.text, "blocks": blocks})
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"type": "message", "text": message.text, "blocks": blocks, "ts": ts,
                            "bot_id": "B0BOT", "user": self.bot_user_id}}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        problem = self._check_message(args)
        if problem:
            return problem
        message = self.messages[key]
        message.text = str(args.get("text") or message.text)
        if args.get("blocks") is not None:
            message.blocks = as_list(args.get("blocks"))
        message.history.append({"text": message.text, "blocks": message.blocks})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        problem = self._cannot_post(args) or self._check_message(args)
        return problem or {"ok": True, "message_ts": self._next_ts()}

    def _open_view(self, args: dict[str, Any], *, view_id: str | None = None) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        problem = validate_view(view)
        if problem:
            return {"ok": False, "error": "invalid_blocks", "detail": problem}
        view_id = view_id or f"V{uuid.uuid4().hex[:10].upper()}"
        stored = {**(view or {}), "id": view_id, "team_id": self.team_id, "hash": uuid.uuid4().hex[:8]}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._open_view(args)

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(args)

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id or view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._open_view(args, view_id=str(view_id))

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user") or "")
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"User {user}",
                                     "tz": "Europe/Berlin", "profile": {"display_name": user.lower()}}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        conversation = self.workspaces.conversation(str(args.get("channel") or ""))
        if not conversation.bot_member and conversation.kind != "public":
            return {"ok": False, "error": "channel_not_found"}  # invisible to the bot
        return {"ok": True, "channel": {
            "id": conversation.id, "name": conversation.id.lower(), "is_member": conversation.bot_member,
            "is_channel": conversation.kind == "public", "is_group": conversation.kind == "private",
            "is_private": conversation.kind != "public", "is_im": conversation.kind == "im",
            "is_mpim": conversation.kind == "mpim", "is_archived": conversation.archived}}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    # ---- other endpoints -------------------------------------------------------------------

    async def _dump_calls(self, request: web.Request) -> web.Response:
        """What a benchmark in another process reads back: every call, without bodies."""
        return web.json_response([
            {"method": c.method, "channel": c.args.get("channel"), "ts": c.args.get("ts"),
             "status": c.status, "error": c.error, "wall": c.wall,
             # a final draft carries buttons or a header; progress messages carry neither
             "final": any(b.get("type") in ("header", "actions") for b in as_list(c.args.get("blocks")))}
            for c in self.calls
        ] + [{"method": "response_url", "channel": None, "ts": None, "status": 200, "error": None,
              "wall": 0.0} for _ in self.responses])

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"key": request.match_info["key"], **(body if isinstance(body, dict) else {})})
        problem = validate_blocks(body["blocks"]) if body.get("blocks") is not None else None
        if problem:
            self.invalid.append(("response_url", problem))
        await self._notify()
        return web.Response(text="ok")

    async def _authorize(self, request: web.Request) -> web.Response:
        """Slack's consent page, approved at once by `self.installer`: back to the app's redirect URL
        with a one-time code and the app's state (https://docs.slack.dev/authentication/installing-with-oauth)."""
        query = request.query
        if query.get("client_id") != self.workspaces.client_id:
            return web.Response(status=400, text="invalid client_id")
        code = self.workspaces.new_code(**self.installer)
        target = str(query.get("redirect_uri") or self.redirect_uri or "")
        if not target:
            return web.Response(status=400, text="the app has no redirect URL")
        separator = "&" if "?" in target else "?"
        raise web.HTTPFound(f"{target}{separator}code={code}&state={query.get('state', '')}")


async def _serve(port: int, latency: float) -> None:
    fake = FakeSlack(latency=latency)
    fake.port = port
    await fake.start()
    print(fake.port, flush=True)  # the parent reads the port from the first line
    try:
        await asyncio.Event().wait()
    finally:
        await fake.close()


if __name__ == "__main__":  # `python -m tests.fakes.slack_server`: a separate process for perf/
    import argparse

    parser = argparse.ArgumentParser(description="Fake Slack Web API on 127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per Web API call")
    options = parser.parse_args()
    try:
        asyncio.run(_serve(0, options.latency))
    except KeyboardInterrupt:
        pass
