"""Fetching user-given URLs under A2E's rules, safely.

- The response's Content-Type decides the media type, not the file name.
- Redirects are refused (the user is told the address it pointed to); URLs with spaces are refused.
- A size limit and a total time limit apply.
- Every address a host name resolves to must be a public unicast address: loopback, private,
  link-local, multicast, reserved and unspecified addresses are refused (also when hidden inside
  IPv4-mapped, 6to4, Teredo or NAT64 IPv6 addresses), unless the host is on the allow list. The
  connection then goes to an address we checked, so a second DNS answer cannot redirect it.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from videotwin.errors import InputFetchError
from videotwin.ids import whole_number

MAX_URL_CHARS = 2048
READ_CHUNK_BYTES = 256 * 1024
USER_AGENT = "videotwin-fetch/1"
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]


@dataclass(frozen=True)
class FetchRules:
    allow_hosts: tuple[str, ...] = ()
    max_bytes: int = 2 * 1024**3
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Fetched:
    url: str
    content_type: str
    media_type: str  # "video", "audio", "image", or the top-level type of anything else
    size: int


def address_refusal(ip: IPAddress) -> str | None:
    """Why this address may not be fetched from, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = address_refusal(embedded)
            if reason:
                return f"{reason} (inside {ip})"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attr, reason in checks:
        if getattr(ip, attr):
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _allowed_by_list(host: str, ips: Sequence[IPAddress], allow: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    networks = []
    for entry in allow:
        entry = entry.strip().lower()
        if entry == host:
            return True
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return bool(ips) and all(any(ip in net for net in networks) for ip in ips)


def check_url(url: object, field: str) -> tuple[str, str, int, str]:
    """Syntax rules: returns (scheme, host, port, path_and_query) or raises naming the field."""
    if not isinstance(url, str) or not url:
        raise InputFetchError(field, "expected a URL (http:// or https://)")
    if len(url) > MAX_URL_CHARS:
        raise InputFetchError(field, f"the URL is {len(url)} characters; at most {MAX_URL_CHARS} are accepted")
    if any(c.isspace() for c in url):
        raise InputFetchError(field, f"the URL {url[:200]!r} contains spaces; percent-encode them (%20)")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed or malformed [IPv6] host
        raise InputFetchError(field, f"the URL {url[:200]!r} is not a valid URL (its host cannot be read)") from None
    if parts.scheme not in ("http", "https"):
        raise InputFetchError(field, f"the URL {url[:200]!r} must start with http:// or https://")
    if not parts.hostname:
        raise InputFetchError(field, f"the URL {url[:200]!r} has no host")
    if parts.username or parts.password:
        raise InputFetchError(field, "URLs with a user name or password in them are not accepted")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputFetchError(field, f"the URL {url[:200]!r} has an invalid port") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target


def vetted_addresses(host: str, port: int, rules: FetchRules, field: str,
                     resolver: Resolver = _system_resolver) -> list[str]:
    """Resolve `host` and check every address; sends nothing. Raises if any address is refused."""
    try:
        literal = ipaddress.ip_address(host)
        raw = [str(literal)]
    except ValueError:
        try:
            raw = list(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise InputFetchError(field, f"the host {host!r} could not be resolved ({exc})") from None
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in raw]
    if not ips:
        raise InputFetchError(field, f"the host {host!r} has no address")
    if _allowed_by_list(host, ips, rules.allow_hosts):
        return [str(ip) for ip in ips]
    for ip in ips:
        reason = address_refusal(ip)
        if reason:
            raise InputFetchError(
                field, f"the host {host!r} resolves to {ip}, {reason}; only public addresses are fetched "
                       "(an operator can allow a host with VIDEOTWIN_FETCH_ALLOW_HOSTS)")
    return [str(ip) for ip in ips]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _open(method: str, url: str, rules: FetchRules, field: str, body: bytes | None = None,
          headers: dict[str, str] | None = None, resolver: Resolver = _system_resolver,
          ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    scheme, host, port, target = check_url(url, field)
    ips = vetted_addresses(host, port, rules, field, resolver)
    conn_cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    last_error: Exception | None = None
    for ip in ips:
        conn = conn_cls(host, port, ip, rules.connect_timeout_seconds)
        try:
            conn.request(method, target, body=body,
                         headers={"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})})
            return conn, conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            last_error = exc
    kind = "timed out" if isinstance(last_error, TimeoutError) else f"failed ({last_error})"
    raise InputFetchError(field, f"connecting to {host}:{port} {kind}")


def media_type_of(content_type: str) -> str:
    main = content_type.split(";")[0].strip().lower()
    if main in ("application/ogg",):
        return "audio"
    if main in ("application/mp4",):
        return "video"
    return main.split("/")[0] if "/" in main else ""


def fetch_to_file(url: str, dest: Path, rules: FetchRules, *, field: str,
                  accept: Sequence[str] | None = None, resolver: Resolver = _system_resolver) -> Fetched:
    """Download `url` to `dest` under the rules. `accept` lists the media types wanted
    ("video", "audio", "image"); a response of another type is refused before its body is read."""
    deadline = time.monotonic() + rules.timeout_seconds
    conn, resp = _open("GET", url, rules, field, resolver=resolver)
    try:
        if 300 <= resp.status < 400:
            where = resp.getheader("Location") or "an unstated address"
            raise InputFetchError(field, f"{url[:200]} redirects ({resp.status}) to {where[:200]}; "
                                         "redirects are not followed, give the final URL")
        if resp.status != 200:
            raise InputFetchError(field, f"{url[:200]} answered HTTP {resp.status} {resp.reason}")
        content_type = (resp.getheader("Content-Type") or "").strip()
        media = media_type_of(content_type)
        if accept is not None and media not in accept:
            wanted = " or ".join(f"{a}/*" for a in accept)
            raise InputFetchError(
                field, f"{url[:200]} is served as {content_type or 'no Content-Type'}; expected {wanted} "
                       "(the media type is read from the Content-Type header, not the file name)")
        length = whole_number(resp.getheader("Content-Length"))
        if length is not None and length > rules.max_bytes:
            raise InputFetchError(field, f"{url[:200]} is {length} bytes; at most {rules.max_bytes} "
                                         "are accepted")
        size = 0
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "wb") as out:
            for chunk in _read_chunks(resp, deadline, rules, url, field):
                size += len(chunk)
                if size > rules.max_bytes:
                    raise InputFetchError(field, f"{url[:200]} is larger than {rules.max_bytes} bytes")
                out.write(chunk)
        if size == 0:
            raise InputFetchError(field, f"{url[:200]} returned an empty body")
        return Fetched(url, content_type, media, size)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        conn.close()


def _read_chunks(resp: http.client.HTTPResponse, deadline: float, rules: FetchRules, url: str,
                 field: str) -> Iterator[bytes]:
    """Each read waits at most the connect timeout (the socket's timeout); the total is checked
    between reads, so a server that trickles bytes is cut off too."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise InputFetchError(field, f"downloading {url[:200]} took longer than "
                                         f"{rules.timeout_seconds:g} s")
        try:
            chunk = resp.read1(READ_CHUNK_BYTES)  # what has arrived, so the deadline is checked often
        except TimeoutError:
            raise InputFetchError(field, f"{url[:200]} stopped sending data") from None
        except (OSError, http.client.HTTPException) as exc:
            raise InputFetchError(field, f"reading {url[:200]} failed ({exc})") from None
        if not chunk:
            return
        yield chunk


def post_json(url: str, payload: object, headers: dict[str, str], rules: FetchRules,
              resolver: Resolver = _system_resolver) -> int:
    """POST JSON once (webhooks), under the same address rules; returns the HTTP status."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    conn, resp = _open("POST", url, rules, "webhook_url", body=body,
                       headers={"Content-Type": "application/json", **headers}, resolver=resolver)
    try:
        resp.read(64 * 1024)
        return resp.status
    finally:
        conn.close()
