"""Profile enrichment fetches company websites safely: no private addresses, no LinkedIn, capped."""

from __future__ import annotations

import ipaddress

import pytest

from engine.errors import FetchFailed, FetchRefused
from engine.fetch import FetchGuard, IPAddress, extract_html, fetch_website
from engine.settings import EngineSettings
from tests.conftest import free_port
from tests.fakes.website import FakeWebsite

STRICT = EngineSettings(allow_private_fetch=False, fetch_timeout_s=5.0)
PRIVATE_OK = EngineSettings(allow_private_fetch=True, fetch_timeout_s=5.0)


class LoopbackGuard(FetchGuard):
    """Lets the fixture site (127.0.0.1) through while every other non-public address stays refused."""

    def check_address(self, host: str, address: str) -> IPAddress:
        ip = ipaddress.ip_address(address)
        return ip if ip in ipaddress.ip_network("127.0.0.1/32") else super().check_address(host, address)


LOOPBACK_ONLY = LoopbackGuard()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.8.9.10:8080/x", "http://10.0.0.1/", "http://10.255.1.2/",
    "http://192.168.1.1/", "http://172.16.0.5/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://[fe80::1]/",
    "http://[fd00::1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://100.64.0.1/", "http://localhost/",
])
async def test_private_and_special_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused, match=r"refused to fetch .*(loopback|private|link-local|multicast|"
                                           r"unspecified|reserved|non-public)"):
        await fetch_website(url, settings=STRICT)


@pytest.mark.parametrize("url", [
    "https://www.linkedin.com/company/lumenfield-apparel", "http://linkedin.com/in/someone",
    "https://uk.linkedin.com/in/someone", "https://lnkd.in/abc",
])
async def test_linkedin_is_never_fetched(url: str) -> None:
    with pytest.raises(FetchRefused, match="LinkedIn is never fetched"):
        await fetch_website(url, settings=PRIVATE_OK)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1:70/",
                                 "javascript:alert(1)", "http://user:pw@127.0.0.1/"])
async def test_bad_schemes_and_credentials_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused, match="refused to fetch"):
        await fetch_website(url, settings=PRIVATE_OK)


async def test_loopback_site_is_refused_by_default(site: FakeWebsite) -> None:
    with pytest.raises(FetchRefused, match="loopback"):
        await fetch_website(site.base_url + "/", settings=STRICT)
    assert site.seen == []  # refused before any connection


async def test_loopback_site_is_fetched_with_allow_private_fetch(site: FakeWebsite) -> None:
    info = await fetch_website(site.base_url + "/", settings=PRIVATE_OK)
    assert info.title == "Lumenfield Apparel — Sustainable everyday clothing"
    assert info.description == "Lumenfield Apparel designs organic cotton basics sold through our online store."
    assert "direct-to-consumer fashion brand" in info.text
    assert "Clothing that lasts" in info.text
    for noise in ("do-not-extract", "Cookie settings", "Privacy policy", "color: red"):
        assert noise not in info.text
    assert info.truncated is False


@pytest.mark.parametrize("target", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]/", "http://[::ffff:169.254.169.254]/"])
async def test_redirect_into_private_space_is_refused(site: FakeWebsite, target: str) -> None:
    settings = EngineSettings(fetch_timeout_s=5.0)
    with pytest.raises(FetchRefused, match="refused to fetch"):
        await fetch_website(f"{site.base_url}/redirect?to={target}", settings=settings, guard=LOOPBACK_ONLY)
    assert [seen.path.split("?")[0] for seen in site.seen] == ["/redirect"]


async def test_redirect_to_linkedin_or_other_scheme_is_refused(site: FakeWebsite) -> None:
    for target in ("https://www.linkedin.com/in/someone", "file:///etc/passwd"):
        with pytest.raises(FetchRefused):
            await fetch_website(f"{site.base_url}/redirect?to={target}", settings=PRIVATE_OK)


async def test_allowed_redirect_is_followed(site: FakeWebsite) -> None:
    info = await fetch_website(f"{site.base_url}/redirect?to=/", settings=PRIVATE_OK)
    assert info.title is not None and info.title.startswith("Lumenfield Apparel")
    assert info.url == site.base_url + "/"


async def test_redirect_loops_stop_after_three_hops(site: FakeWebsite) -> None:
    with pytest.raises(FetchFailed, match="redirected more than 3 times"):
        await fetch_website(f"{site.base_url}/loop/0", settings=PRIVATE_OK)
    assert len(site.seen) == 4


async def test_connection_goes_to_the_checked_address(site: FakeWebsite) -> None:
    """The host is resolved once per hop by the guard and the request is pinned to that address."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    guard = LoopbackGuard(resolve=resolve)
    port = site.base_url.rsplit(":", 1)[1]
    info = await fetch_website(f"http://acme-site.internal:{port}/", settings=STRICT, guard=guard)
    assert info.title is not None
    assert asked == ["acme-site.internal"]
    assert site.seen[0].host == f"acme-site.internal:{port}"


async def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]  # one private answer among public ones refuses the host

    with pytest.raises(FetchRefused, match=r"rebind\.internal \(10\.1\.2\.3\).*private"):
        await fetch_website("http://rebind.internal/", settings=STRICT, guard=FetchGuard(resolve=resolve))


async def test_size_cap_stops_reading(site: FakeWebsite) -> None:
    settings = EngineSettings(allow_private_fetch=True, fetch_max_bytes=200_000)
    info = await fetch_website(site.base_url + "/huge", settings=settings)
    assert info.truncated is True
    assert info.title == "Huge page"
    assert 0 < len(info.text) <= 4_000


async def test_slow_site_times_out(site: FakeWebsite) -> None:
    settings = EngineSettings(allow_private_fetch=True, fetch_timeout_s=0.3)
    with pytest.raises(FetchFailed, match=r"did not answer within 0\.3 s"):
        await fetch_website(site.base_url + "/slow", settings=settings)


async def test_non_html_and_errors_fail_clearly(site: FakeWebsite) -> None:
    with pytest.raises(FetchFailed, match="image/png, not an HTML page"):
        await fetch_website(site.base_url + "/image", settings=PRIVATE_OK)
    with pytest.raises(FetchFailed, match="HTTP 404"):
        await fetch_website(site.base_url + "/missing", settings=PRIVATE_OK)


async def test_unreachable_site_fails_clearly() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(FetchFailed, match="could not fetch"):
        await fetch_website(f"http://127.0.0.1:{port}/", settings=PRIVATE_OK)


def test_extract_falls_back_to_open_graph_and_body() -> None:
    html = ('<html><head><meta property="og:title" content="Acme Freight">'
            '<meta property="og:description" content="Regional haulage."></head>'
            "<body><div>We move   freight\n across Europe.</div><aside>ads</aside></body></html>")
    info = extract_html(html, url="https://acme.example/")
    assert (info.title, info.description, info.text) == (
        "Acme Freight", "Regional haulage.", "We move freight across Europe.")


@pytest.mark.parametrize("url", ["https://lumenfield.example/", "http://acme.test/", "https://x.invalid/"])
async def test_reserved_names_are_refused_before_any_dns_lookup(url: str) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.215.14"]

    with pytest.raises(FetchRefused, match="reserved name"):
        await fetch_website(url, settings=STRICT, guard=FetchGuard(resolve=resolve))
    assert asked == []
