"""Slack files for CSV batches: which uploads are batches, where their thread is, download, upload.

A file's `url_private` answers only with the bot token as a Bearer header (without it Slack serves
its HTML sign-in page with status 200, so the content type is checked too). The token goes only to
Slack's own file hosts (bot/batches/hosts.py): a remote file's url_private "can point to any host"
(Slack's docs), so remote and external files are refused with a way forward instead of being
fetched. Downloads stop reading past the size cap. Results go back with `files_upload_v2`
(files.getUploadURLExternal, a POST to the upload URL, files.completeUploadExternal).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import yarl
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.batches import messages as msg
from bot.batches.hosts import is_slack_file_url

__all__ = ["DownloadFailed", "RemoteFile", "download_file", "file_info", "from_bot", "is_csv", "is_remote", "share_ts",
           "upload_results"]

_CSV_TYPES = {"csv", "tsv"}
_CSV_MIMES = {"text/csv", "application/csv", "text/tab-separated-values", "application/vnd.ms-excel"}
_CHUNK = 64 * 1024
_MAX_REDIRECTS = 3


class DownloadFailed(Exception):
    """Slack did not hand over a file's bytes; the message is a short reason for the user."""


class RemoteFile(DownloadFailed):
    """The file lives outside Slack (Google Drive, Dropbox, a link): never fetched with our token."""


def is_remote(file: Mapping[str, Any]) -> bool:
    """Whether Slack only points at the file (remote or external) instead of hosting it."""
    return bool(file.get("is_external")) or str(file.get("mode") or "") in {"external", "remote"}


def from_bot(file: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Whether the bot itself uploaded the file (our results CSV): never run as a batch."""
    return bool(bot_user_id) and file.get("user") == bot_user_id


def is_csv(file: Mapping[str, Any]) -> bool:
    """Whether a Slack file object is a CSV (by Slack's filetype, MIME type or name)."""
    name = str(file.get("name") or file.get("title") or "").lower()
    return (str(file.get("filetype") or "").lower() in _CSV_TYPES
            or str(file.get("mimetype") or "").lower() in _CSV_MIMES
            or name.endswith((".csv", ".tsv")))


def share_ts(file: Mapping[str, Any], channel: str) -> str | None:
    """The ts of the message that shared `file` in `channel` (the thread to answer in), if known."""
    shares = file.get("shares") or {}
    for kind in ("public", "private"):
        for share in (shares.get(kind) or {}).get(channel) or []:
            ts = share.get("thread_ts") or share.get("ts")
            if ts:
                return str(ts)
    return None


@contextlib.asynccontextmanager
async def _session(client: AsyncWebClient) -> AsyncIterator[aiohttp.ClientSession]:
    if client.session is not None and not client.session.closed:
        yield client.session  # the app's pool (opened by bot/app.py at start-up)
        return
    async with aiohttp.ClientSession() as session:
        yield session


async def download_file(client: AsyncWebClient, file: Mapping[str, Any], *, max_bytes: int) -> bytes:
    """The file's bytes from url_private_download (or url_private) with the bot token as Bearer.

    Raises RemoteFile for a file Slack does not host (or whose link leaves Slack's file hosts) and
    DownloadFailed otherwise; more than `max_bytes` bytes are never read (`max_bytes + 1` comes
    back, so the caller can say the file is too big)."""
    if is_remote(file):
        raise RemoteFile(msg.BATCH_REMOTE_FILE)
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    if not url:
        raise DownloadFailed("the file has no download link")
    if not is_slack_file_url(url, api_url=client.base_url):
        raise RemoteFile(msg.BATCH_REMOTE_FILE)
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with _session(client) as session:
            for _ in range(_MAX_REDIRECTS + 1):
                # The token rides only to Slack's file hosts; a redirect elsewhere goes without it.
                headers = ({"Authorization": f"Bearer {client.token}"}
                           if is_slack_file_url(url, api_url=client.base_url) else {})
                async with session.get(url, headers=headers, timeout=timeout,
                                       allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                        url = str(response.url.join(yarl.URL(response.headers["Location"])))
                        continue
                    return await _read(response, max_bytes=max_bytes)
            raise DownloadFailed("Slack redirected the download too many times")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DownloadFailed(f"the download failed: {type(exc).__name__}") from exc


async def _read(response: aiohttp.ClientResponse, *, max_bytes: int) -> bytes:
    if response.status != 200:
        raise DownloadFailed(f"Slack answered HTTP {response.status}")
    if response.content_type == "text/html":
        raise DownloadFailed("Slack sent its sign-in page instead of the file")
    data = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data += chunk
        if len(data) > max_bytes:
            break
    return bytes(data[: max_bytes + 1])


async def file_info(client: AsyncWebClient, file_id: str) -> dict[str, Any]:
    """files.info's file object; raises DownloadFailed when Slack refuses."""
    try:
        response = await client.files_info(file=file_id)
    except SlackApiError as exc:
        raise DownloadFailed(f"files.info: {exc.response.get('error')}") from exc
    return dict(response.get("file") or {})


async def upload_results(client: AsyncWebClient, *, channel: str, thread_ts: str | None,
                         data: bytes, filename: str, title: str, comment: str) -> str | None:
    """Upload the results CSV into the thread with files_upload_v2; returns the new file's id."""
    response = await client.files_upload_v2(
        channel=channel, thread_ts=thread_ts, file=data, filename=filename, title=title,
        initial_comment=comment)
    files = response.get("files") or [response.get("file") or {}]
    first = files[0] if files else {}
    return str(first.get("id")) if first.get("id") else None
