"""URL canonicalisation: one post, one canonical URL, however it was shared."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that identify the sharer or the campaign, never the post.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "share",
        "sharer",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wfr",
        "fbclid",
        "gclid",
        "mpshare",
        "srcid",
        "vd_source",
        "is_from_webapp",
        "sender_device",
        "xsec_source",
        "app_platform",
        "timestamp",
        "sharesource",
        "ref",
        "refer",
    }
)
TRACKING_PREFIXES = ("utm_", "share_", "spm_", "from_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters,
    sort what remains of the query, and drop a trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))
