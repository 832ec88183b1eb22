"""Signed, expiring links to stored files: GET to download, PUT to upload (presigned upload)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from videotwin.errors import BadInput
from videotwin.ids import whole_number
from videotwin.storage.keys import is_valid_key

FILES_PATH = "/files/"


def _query_number(name: str, text: str) -> int | None:
    """A whole-number query parameter of a link we signed: None when absent; BadInput naming it when
    it is something else (the link was altered, or copied with its query mangled)."""
    if not text:
        return None
    number = whole_number(text)
    if number is None:
        raise BadInput(name, f"{text[:40]!r} is not a whole number; use the link exactly as the API gave it")
    return number


@dataclass(frozen=True)
class UploadGrant:
    key: str
    expires: int
    max_bytes: int
    content_type: str


class UrlSigner:
    def __init__(self, secret: bytes, public_url: str) -> None:
        self._secret = secret
        self._base = public_url.rstrip("/")

    def _sig(self, *parts: object) -> str:
        msg = "\n".join(str(p) for p in parts).encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def download_url(self, key: str, ttl_seconds: int, now: float | None = None) -> str:
        expires = int((now or time.time()) + ttl_seconds)
        query = urlencode({"expires": expires, "signature": self._sig("GET", key, expires)})
        return f"{self._base}{FILES_PATH}{quote(key)}?{query}"

    def path_url(self, path: str, expires: int) -> str:
        """A signed link to one of our own GET endpoints (a voice's sample), for clients that cannot
        send a token (a browser's <audio> tag). Signed apart from file links: it names no blob."""
        query = urlencode({"expires": expires, "signature": self._sig("PATH", path, expires)})
        return f"{self._base}{quote(path)}?{query}"

    def check_path(self, path: str, expires: str, signature: str, now: float | None = None) -> bool:
        """Whether a path_url link is ours and unexpired; BadInput when `expires` is not a whole number."""
        return self._check("PATH", path, expires, signature, now)

    def upload_url(self, grant: UploadGrant) -> str:
        query = urlencode({
            "expires": grant.expires, "max_bytes": grant.max_bytes, "content_type": grant.content_type,
            "signature": self._sig("PUT", grant.key, grant.expires, grant.max_bytes, grant.content_type),
        })
        return f"{self._base}{FILES_PATH}{quote(grant.key)}?{query}"

    def check_download(self, key: str, expires: str, signature: str, now: float | None = None) -> bool:
        """Whether the link is ours and unexpired; BadInput when `expires` is not a whole number."""
        return self._check("GET", key, expires, signature, now)

    def _check(self, verb: str, name: str, expires: str, signature: str, now: float | None) -> bool:
        when = _query_number("expires", expires)
        if when is None or when < (now or time.time()):
            return False
        return hmac.compare_digest(self._sig(verb, name, expires), signature)

    def check_upload(self, key: str, expires: str, max_bytes: str, content_type: str, signature: str,
                     now: float | None = None) -> UploadGrant | None:
        """The grant if the link is ours and unexpired; BadInput when a number in it is not one."""
        when, most = _query_number("expires", expires), _query_number("max_bytes", max_bytes)
        if when is None or most is None or when < (now or time.time()):
            return None
        if not hmac.compare_digest(self._sig("PUT", key, expires, max_bytes, content_type), signature):
            return None
        return UploadGrant(key, when, most, content_type)

    def own_key(self, url: str) -> str | None:
        """The blob key if `url` is a valid, unexpired download link signed by us, else None.

        The host is not compared: only we hold the secret, and a proxy may change the host."""
        parts = urlsplit(url)
        if not parts.path.startswith(FILES_PATH):
            return None
        key = unquote(parts.path[len(FILES_PATH):])
        query = parse_qs(parts.query)
        expires = query.get("expires", [""])[0]
        signature = query.get("signature", [""])[0]
        try:
            ours = is_valid_key(key) and self.check_download(key, expires, signature)
        except BadInput:
            ours = False  # not a link we made: it is fetched like any other URL
        return key if ours else None
