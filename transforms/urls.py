"""URL normalisation shared by the news transforms (pure, no network)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "spm", "oc", "ved", "usg", "ei",
    "_ga", "cmpid", "ocid",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """``url`` normalised so the same page compares equal.

    Lower-cases scheme and host (``www.`` is kept), drops the default port, the fragment, tracking
    parameters (``utm_*``, ``fbclid``, ``oc``, ...) and a trailing slash on a non-root path, and sorts
    the remaining query parameters. Never raises: text that is not a URL comes back stripped.
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if not scheme or not parts.netloc:
            return text
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # e.g. "http://[::1" or a non-numeric port
        return text
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    pairs.sort()
    query = urlencode(pairs, quote_via=quote, safe="/:@!$'()*,;~")
    return urlunsplit((scheme, netloc, path, query, ""))
