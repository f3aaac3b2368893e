"""Safe website fetching for profile enrichment: timeouts, a size cap, no private addresses.

Every hop (the first URL and each redirect) is checked before it is requested: http(s) only, never
LinkedIn, and every address the host resolves to must be public unless ALLOW_PRIVATE_FETCH=true.
The request then goes to the address that was checked (an IP literal with the original Host
header and TLS server name), so a DNS answer that changes between check and connect (rebinding)
cannot steer the fetch into a private network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from pydantic import BaseModel
from selectolax.lexbor import LexborHTMLParser

from engine.errors import FetchFailed, FetchRefused
from engine.settings import EngineSettings

__all__ = ["MAX_REDIRECTS", "MAX_TEXT_CHARS", "FetchGuard", "IPAddress", "WebsiteInfo", "extract_html", "fetch_website"]

MAX_REDIRECTS = 3
MAX_TEXT_CHARS = 4_000
_CHUNK = 64 * 1024
_USER_AGENT = "replycrew/0.1 (+profile enrichment; reads one public page)"
_LINKEDIN = ("linkedin.com", "lnkd.in", "licdn.com")
# Special-use names (RFC 2606, 6761, 7686) never hold a public website; refusing them before any DNS
# query keeps sample and test data (all `.example`) from sending lookups off the machine.
_RESERVED_SUFFIXES = ("example", "invalid", "test", "onion")
# Elements that never hold a page's main text.
_NOISE = ["script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer",
          "aside", "form", "button", "select"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class WebsiteInfo(BaseModel):
    """What one fetched page says about the company."""

    url: str
    title: str | None = None
    description: str | None = None
    text: str = ""
    truncated: bool = False


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchFailed(f"could not resolve {host!r} ({exc.strerror}); check the website URL") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchGuard:
    """Which addresses a fetch may reach (built from settings), and how host names are resolved."""

    allow_private: bool = False
    resolve: Resolver = field(default=_system_resolve)

    def check_address(self, host: str, address: str) -> IPAddress:
        """The address, if a fetch may connect to it; FetchRefused otherwise."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        if self.allow_private or _is_public(ip):
            return ip
        shown = host if host == address else f"{host} ({address})"
        raise FetchRefused(
            f"refused to fetch {shown}: it is a {_describe_address(ip)} address, not a public website; "
            "use the company's public website URL (ALLOW_PRIVATE_FETCH=true allows it, for tests only)"
        )


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64 carries an IPv4 in its low bits
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(ip: IPAddress) -> bool:
    inner = _embedded_ipv4(ip)
    if inner is not None and not _is_public(inner):
        return False
    bad = (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
           or ip.is_unspecified)
    return ip.is_global and not bad


def _describe_address(ip: IPAddress) -> str:
    ip = _embedded_ipv4(ip) or ip
    for label, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                        ("multicast", ip.is_multicast), ("unspecified", ip.is_unspecified),
                        ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return label
    return "non-public"


def _check_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a URL we may fetch; FetchRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"refused to fetch {url!r}: not a valid URL ({exc}); pass http(s)://host/...") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(
            f"refused to fetch {url!r}: only http and https URLs are fetched, not {parts.scheme or 'no scheme'!r}"
        )
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchRefused(f"refused to fetch {url!r}: the URL has no host; pass http(s)://host/...")
    if any(host == name or host.endswith("." + name) for name in _LINKEDIN):
        raise FetchRefused(
            f"refused to fetch {url!r}: LinkedIn is never fetched (names are read from the URL slug); "
            "pass the company's own website instead"
        )
    if host.rsplit(".", 1)[-1] in _RESERVED_SUFFIXES:
        raise FetchRefused(
            f"refused to fetch {url!r}: .{host.rsplit('.', 1)[-1]} is a reserved name that no public "
            "website uses; pass the company's real website"
        )
    if parts.username or parts.password:
        raise FetchRefused(f"refused to fetch {url!r}: URLs with credentials are not fetched")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _pin(url: str, guard: FetchGuard) -> tuple[str, str, str | None]:
    """Check one hop; return the URL to request (host replaced by a checked IP), Host header, TLS name."""
    scheme, host, port = _check_url(url)
    if _is_ip_literal(host):
        guard.check_address(host, host)
        return url, "", None
    addresses = await guard.resolve(host, port)
    if not addresses:
        raise FetchFailed(f"{host!r} resolved to no address; check the website URL")
    checked = [guard.check_address(host, address) for address in addresses]  # any private one refuses
    ip = checked[0]
    parts = urlsplit(url)
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    pinned = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    return pinned, host_header, host if scheme == "https" else None


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body.extend(chunk)
        if len(body) >= limit:
            return bytes(body[:limit]), True  # stop reading: the rest of the page is not needed
    return bytes(body), False


def _clean(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] or None


def extract_html(html: str, *, url: str, max_text_chars: int = MAX_TEXT_CHARS) -> WebsiteInfo:
    """Title, meta description and main text of an HTML page."""
    tree = LexborHTMLParser(html)

    def meta(*selectors: str) -> str | None:
        for selector in selectors:
            node = tree.css_first(selector)
            if node is not None and node.attributes.get("content"):
                return node.attributes["content"]
        return None

    title_node = tree.css_first("title")
    title = _clean(title_node.text() if title_node else None, 300) or _clean(
        meta('meta[property="og:title"]', 'meta[name="twitter:title"]'), 300)
    description = _clean(meta('meta[name="description"]', 'meta[property="og:description"]',
                              'meta[name="twitter:description"]'), 1_000)
    tree.strip_tags(_NOISE)
    root = (tree.css_first("main") or tree.css_first("article") or tree.css_first('[role="main"]')
            or tree.body)
    text = _clean(root.text(separator=" ", strip=True) if root is not None else "", max_text_chars) or ""
    return WebsiteInfo(url=url, title=title, description=description, text=text)


def _charset(response: aiohttp.ClientResponse) -> str:
    charset = response.charset or "utf-8"
    try:
        "".encode(charset)
    except LookupError:
        return "utf-8"
    return charset


async def _fetch(url: str, *, settings: EngineSettings, session: aiohttp.ClientSession,
                 guard: FetchGuard) -> WebsiteInfo:
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        pinned, host_header, tls_name = await _pin(current, guard)
        headers = {"User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
        if host_header:
            headers["Host"] = host_header
        async with session.get(pinned, headers=headers, allow_redirects=False,
                               server_hostname=tls_name, proxy=None) as response:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailed(f"{current} redirected without a Location header")
                current = urljoin(current, location)
                continue
            if response.status >= 400:
                raise FetchFailed(f"{current} answered HTTP {response.status}; check the website URL")
            kind = response.content_type or ""
            if kind not in ("text/html", "application/xhtml+xml", ""):
                raise FetchFailed(f"{current} is {kind}, not an HTML page; pass the company's home page")
            body, truncated = await _read_capped(response, settings.fetch_max_bytes)
            info = extract_html(body.decode(_charset(response), errors="replace"), url=current)
            return info.model_copy(update={"truncated": truncated})
    raise FetchFailed(f"{url} redirected more than {MAX_REDIRECTS} times; pass the final website URL")


async def fetch_website(url: str, *, settings: EngineSettings, session: aiohttp.ClientSession | None = None,
                        guard: FetchGuard | None = None) -> WebsiteInfo:
    """Fetch one company web page safely and extract its title, description and main text."""
    guard = guard or FetchGuard(allow_private=settings.allow_private_fetch)
    try:
        async with asyncio.timeout(settings.fetch_timeout_s):
            if session is not None:
                return await _fetch(url, settings=settings, session=session, guard=guard)
            # trust_env=False: an environment proxy would bypass the address check.
            async with aiohttp.ClientSession(trust_env=False) as own:
                return await _fetch(url, settings=settings, session=own, guard=guard)
    except (FetchRefused, FetchFailed):
        raise
    except TimeoutError as exc:
        raise FetchFailed(
            f"{url} did not answer within {settings.fetch_timeout_s:g} s; the profile is built without it"
        ) from exc
    except aiohttp.ClientError as exc:
        raise FetchFailed(f"could not fetch {url}: {exc or type(exc).__name__}; check the website URL") from exc
