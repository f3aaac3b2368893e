"""How cache keys are made: the normalisation and hashing behind them (prefixes: engine/keys.py)."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from engine.errors import ScopeRequired
from engine.keys import ANALYSIS, FAQ, PROFILE, RESULT, SEMANTIC_ENTRY, SEMANTIC_LOG, SEMANTIC_VECTOR
from engine.models import DraftRequest

__all__ = [
    "ANALYSIS",
    "FAQ",
    "PROFILE",
    "RESULT",
    "SEMANTIC_ENTRY",
    "SEMANTIC_LOG",
    "SEMANTIC_VECTOR",
    "digest",
    "normalise_thread",
    "normalise_url",
    "profile_key",
    "result_key",
    "scope_digest",
]


_TRACKING = re.compile(r"^(utm_\w+|gclid|fbclid|mc_\w+|trk|ref|source)$", re.IGNORECASE)


def digest(text: str, *, size: int = 16) -> str:
    """A short stable hash for a key; never the text itself."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def scope_digest(scope: str) -> str:
    """The tenant scope as it appears in keys; an empty scope is refused, not defaulted."""
    if not scope or not scope.strip():
        raise ScopeRequired("a cache lookup needs a tenant scope (Slack team id or API key); none was given")
    return digest(scope.strip(), size=12)


def normalise_thread(thread: str) -> str:
    """Same thread, same key: line endings, trailing spaces and blank-line runs do not count."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in thread.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


def normalise_url(url: str | None) -> str:
    """Scheme and host lower-cased, no fragment, no tracking parameters, no trailing slash."""
    if not url:
        return ""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/")
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, query, ""))


def result_key(request: DraftRequest, scope: str) -> str:
    """Key of a whole result: everything that shapes the answer, nothing that only says how to run."""
    shape = {
        "scope": scope_digest(scope),
        "thread": normalise_thread(request.conversation_thread),
        "channel": request.channel,
        "urls": [normalise_url(u) for u in (request.prospect_profile_url, request.prospect_company_url,
                                            request.prospect_company_website)],
        "name": (request.prospect_name or "").casefold().strip(),
        "templates": request.use_templates,
        "polish": request.ai_polish,
        "mode": request.mode,
    }
    if request.instructions:  # only then: keys of requests without instructions stay as they were
        shape["instructions"] = [" ".join(i.split()).casefold() for i in request.instructions]
    return RESULT + digest(json.dumps(shape, sort_keys=True))


def profile_key(request: DraftRequest) -> str | None:
    """Key of a profile, or None when the request has no URL to key it by."""
    urls = [normalise_url(u) for u in (request.prospect_profile_url, request.prospect_company_url,
                                       request.prospect_company_website)]
    if not any(urls):
        return None
    name = (request.prospect_name or "").casefold().strip()
    return PROFILE + digest(json.dumps([urls, name]))
