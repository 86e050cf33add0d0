"""Store URLs without their secrets: the only form of a URL nbtrack shows, logs or puts in a message.

A PostgreSQL URL may carry a password (`postgresql+psycopg://user:PASSWORD@host/db`, or
`?password=...` in its query). `redact_url` masks both; `redact_secrets` masks them inside free
text such as a driver's error message. A store keeps the full URL only to connect with.
"""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["redact_url", "redact_secrets", "MASK"]

MASK = "***"


def _is_secret_key(key: str) -> bool:
    key = unquote(key).strip().lower()
    return "pass" in key or "secret" in key or "token" in key


def _split(url: str) -> tuple[str, str, str, str] | None:
    """(scheme://, user info, rest of the URL up to the query, query) of a network URL; None for a file URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower().startswith("sqlite"):
        return None
    head, qmark, query = rest.partition("?")
    userinfo, at, after = head.rpartition("@")  # the last '@': an unescaped '@' or '/' in a password stays masked
    if not at:
        userinfo, after = "", head
    return f"{scheme}://", userinfo, after, query if qmark else ""


def _secrets(url: str) -> list[str]:
    """The secret values in `url`, as written and percent-decoded, longest first."""
    parts = _split(url)
    if parts is None:
        return []
    _, userinfo, _, query = parts
    found = []
    if ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    for pair in query.split("&") if query else ():
        key, eq, value = pair.partition("=")
        if eq and value and _is_secret_key(key):
            found.append(value)
    found += [unquote(s) for s in found]
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact_url(url: str) -> str:
    """`url` as it may be shown: its password (`user:PASSWORD@`, `?password=`) replaced by `***`."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, after, query = parts
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":" + MASK
    out = scheme + (userinfo + "@" if userinfo else "") + after
    if query:
        pairs = []
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            pairs.append(f"{key}={MASK}" if eq and value and _is_secret_key(key) else pair)
        out += "?" + "&".join(pairs)
    return out


def redact_secrets(text: str, url: str) -> str:
    """`text` (an error message, a log line) with `url` redacted and every secret of `url` in it masked."""
    text = text.replace(url, redact_url(url))
    for secret in _secrets(url):
        text = text.replace(secret, MASK)
    return text
