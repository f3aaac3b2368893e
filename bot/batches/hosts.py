"""Which URLs may receive the bot token: Slack's own file hosts, and nothing else.

A file's url_private needs the token as a Bearer header, but a remote file's url_private "can point
to any host. Don't send Slack tokens" (https://docs.slack.dev/messaging/working-with-files); slack-go
shipped exactly that leak (GHSA-3q3v-34v2-g88f) and now sends the token only to https URLs on
slack.com, slack-gov.com (GovSlack) and their subdomains, and to the configured API host. Same rule
here, with one exception for tests: plain http is accepted only for a loopback SLACK_API_URL host
(the fake Slack), and only on that exact host and port.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["SLACK_FILE_DOMAINS", "is_slack_file_url"]

# files.slack.com and the GovSlack equivalent (files.slack-gov.com) are subdomains of these.
SLACK_FILE_DOMAINS = ("slack.com", "slack-gov.com")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def is_slack_file_url(url: str, *, api_url: str) -> bool:
    """Whether `url` is on a Slack file host (or SLACK_API_URL's host), over https (http: loopback only)."""
    try:
        target, api = urlsplit(url), urlsplit(api_url)
        target_port, api_port = _port(target.scheme, target.port), _port(api.scheme, api.port)
    except ValueError:  # a malformed port
        return False
    host = (target.hostname or "").lower().rstrip(".")
    if not host or target.username or target.password:
        return False
    same_as_api = host == (api.hostname or "").lower() and target_port == api_port \
        and target.scheme == api.scheme
    if target.scheme == "http":
        return same_as_api and _is_loopback(host)
    if target.scheme != "https":
        return False
    if same_as_api:
        return True
    return any(host == domain or host.endswith("." + domain) for domain in SLACK_FILE_DOMAINS)
