"""A company website on loopback for fetch tests: real HTTP, real redirects, a huge and a slow page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = ["HOME_HTML", "FakeWebsite", "SeenRequest"]

HOME_HTML = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Lumenfield Apparel — Sustainable everyday clothing</title>
<meta name="description" content="Lumenfield Apparel designs organic cotton basics sold through our online store.">
<style>body { color: red }</style>
</head><body>
<header><nav><a href="/">Home</a> <a href="/about">About us</a> Cookie settings</nav></header>
<main>
  <h1>Clothing that lasts</h1>
  <p>We are a direct-to-consumer fashion brand. Our ecommerce store ships apparel to 30 countries.</p>
  <script>var tracking = "do-not-extract";</script>
</main>
<footer>© Lumenfield Apparel. Privacy policy.</footer>
</body></html>"""


@dataclass(frozen=True)
class SeenRequest:
    """One request the site answered."""

    path: str
    host: str


@dataclass
class FakeWebsite:
    """An aiohttp site on 127.0.0.1; `base_url` is set once started."""

    base_url: str = ""
    seen: list[SeenRequest] = field(default_factory=list)
    huge_bytes: int = 5_000_000
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/", self._home)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/image", self._image)
        app.router.add_get("/missing", self._missing)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/loop/{n}", self._loop)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.seen.append(SeenRequest(path=request.path_qs, host=request.headers.get("Host", "")))
        return await handler(request)

    async def _home(self, request: web.Request) -> web.Response:
        return web.Response(text=HOME_HTML, content_type="text/html")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        await response.write(b"<html><head><title>Huge page</title></head><body><main>")
        chunk = b"<p>" + b"lorem ipsum " * 5_000 + b"</p>"
        sent = 0
        try:
            while sent < self.huge_bytes:
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionResetError, RuntimeError):  # the client stopped reading at its cap
            return response
        await response.write_eof()
        return response

    async def _slow(self, request: web.Request) -> web.Response:
        # Waits until the test ends (never on wall-clock time), so a client timeout must fire first.
        await self._release.wait()
        return web.Response(text="<title>too late</title>", content_type="text/html")

    async def _image(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n", content_type="image/png")

    async def _missing(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="not here")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def _loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/loop/{int(request.match_info['n']) + 1}")

    async def start(self, port: int) -> str:
        """Listen on 127.0.0.1:`port`; returns the base URL."""
        self._runner = web.AppRunner(self._app(), shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        """Release slow handlers and stop listening."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
