"""Files in the fake Slack: uploads a user shared, remote files, downloads and the upload flow.

Slack hosts an uploaded file and serves its url_private only with a valid token (otherwise its HTML
sign-in page with status 200); results go up with files.getUploadURLExternal, a POST to the upload
URL and files.completeUploadExternal (https://docs.slack.dev/messaging/working-with-files). A remote
file is only a pointer to another host.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aiohttp import web

from tests.fakes.slack_workspaces import Workspaces

__all__ = ["SlackFiles", "public"]


def public(info: dict[str, Any]) -> dict[str, Any]:
    """A file object as Slack returns it (without the fake's own `_` fields)."""
    return {k: v for k, v in info.items() if not k.startswith("_")}


class SlackFiles:
    """The file half of FakeSlack (mixed in)."""

    files: dict[str, dict[str, Any]]
    uploads: list[dict[str, Any]]
    downloads: list[dict[str, Any]]
    redirect_downloads: dict[str, str]
    workspaces: Workspaces

    @property
    def base(self) -> str:
        raise NotImplementedError

    async def _notify(self) -> None:
        raise NotImplementedError

    def add_file(self, name: str, content: bytes, *, filetype: str = "csv", user: str = "U0REP",
                 channel: str | None = None, ts: str | None = None) -> dict[str, Any]:
        """A file as if a user had uploaded it (shared in `channel` by message `ts`, when given);
        its url_private needs the bot token."""
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        info = {"id": file_id, "name": name, "title": name, "filetype": filetype, "user": user,
                "size": len(content), "mimetype": "text/csv" if filetype == "csv" else "text/plain",
                "url_private": f"{self.base}/files/{file_id}/{name}",
                "url_private_download": f"{self.base}/files/{file_id}/{name}",
                "created": int(time.time()), "_content": content}
        if channel and ts:
            kind = "private" if channel.startswith(("D", "G")) else "public"
            info["shares"] = {kind: {channel: [{"ts": ts, "channel_name": channel.lower()}]}}
        self.files[file_id] = info
        return public(info)

    def add_remote_file(self, name: str, url: str, *, user: str = "U0REP", channel: str | None = None,
                        ts: str | None = None) -> dict[str, Any]:
        """A remote (external) file, e.g. a Google Drive CSV: its url_private is `url`, on another host.

        https://docs.slack.dev/messaging/working-with-files#remote : remote files are hosted outside
        Slack and carry `is_external: true` and an `external_type`; their url_private "can point to
        any host", so no Slack token may be sent there."""
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        info: dict[str, Any] = {
            "id": file_id, "name": name, "title": name, "filetype": "csv", "mimetype": "text/csv",
            "user": user, "size": 0, "created": int(time.time()), "is_external": True,
            "external_type": "gdrive", "mode": "external", "external_url": url,
            "url_private": url, "url_private_download": url}
        if channel and ts:
            kind = "private" if channel.startswith(("D", "G")) else "public"
            info["shares"] = {kind: {channel: [{"ts": ts, "channel_name": channel.lower()}]}}
        self.files[file_id] = info
        return public(info)

    def _m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        info = self.files.get(str(args.get("file") or ""))
        return {"ok": True, "file": public(info)} if info else {"ok": False, "error": "file_not_found"}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("filename") or "file")
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self.files[file_id] = {"id": file_id, "name": name, "title": name, "_content": b"",
                               "url_private": f"{self.base}/files/{file_id}/{name}",
                               "url_private_download": f"{self.base}/files/{file_id}/{name}",
                               "size": int(args.get("length") or 0), "created": int(time.time())}
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        done = []
        for item in files or []:
            info = self.files.get(str(item.get("id")))
            if info is None:
                return {"ok": False, "error": "file_not_found"}
            if item.get("title"):
                info["title"] = item["title"]
            info["channels"] = [args["channel_id"]] if args.get("channel_id") else []
            info["initial_comment"] = args.get("initial_comment")
            info["thread_ts"] = args.get("thread_ts")
            done.append(public(info))
        return {"ok": True, "files": done}

    async def _upload(self, request: web.Request) -> web.Response:
        info = self.files.get(request.match_info["file_id"])
        if info is None:
            return web.Response(status=404, text="no such upload")
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            info["_content"] = await part.read() if part is not None else b""  # type: ignore[union-attr]
        else:
            info["_content"] = await request.read()
        info["size"] = len(info["_content"])
        self.uploads.append({"file_id": request.match_info["file_id"], "bytes": info["size"]})
        await self._notify()
        return web.Response(text="OK - " + str(info["size"]))

    async def _download(self, request: web.Request) -> web.Response:
        info = self.files.get(request.match_info["file_id"])
        self.downloads.append({"file_id": request.match_info["file_id"],
                               "authorization": request.headers.get("Authorization")})
        header = request.headers.get("Authorization", "")
        install = self.workspaces.install_for(header[7:] if header.startswith("Bearer ") else None)
        if install is None or install.revoked:
            # Slack answers an unauthenticated url_private with its HTML login page, not a 401.
            return web.Response(text="<html>Sign in to Slack</html>", content_type="text/html")
        if info is None:
            return web.Response(status=404, text="not found")
        if request.match_info["file_id"] in self.redirect_downloads:
            raise web.HTTPFound(self.redirect_downloads[request.match_info["file_id"]])
        return web.Response(body=info["_content"], content_type=info.get("mimetype", "text/plain"))

