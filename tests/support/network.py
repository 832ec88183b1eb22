"""A guard for tests that feed generated URLs to the API: nothing leaves this machine.

Inside `loopback_only()`, name lookups answer only for loopback names and addresses, and a socket
may connect only to a loopback address or a unix socket. Anything else fails as an unreachable
network would (OSError), before a packet is sent, and is recorded in `refused`."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "testserver"}


def is_loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the local host's wildcard, used to bind
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").split("%")[0].lower().rstrip(".")
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


@dataclass
class Refusals:
    refused: list[str] = field(default_factory=list)


@contextmanager
def loopback_only() -> Iterator[Refusals]:
    seen = Refusals()
    real_getaddrinfo = socket.getaddrinfo
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            seen.refused.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r}: lookups leave this machine; refused in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    def allowed(sock: socket.socket, address) -> bool:
        if sock.family == socket.AF_UNIX:
            return True
        host = address[0] if isinstance(address, tuple) else address
        if is_loopback(host):
            return True
        seen.refused.append(f"connect {address!r}")
        return False

    def connect(self, address):
        if not allowed(self, address):
            raise ConnectionRefusedError(f"{address!r} is not on this machine; refused in tests")
        return real_connect(self, address)

    def connect_ex(self, address):
        return real_connect_ex(self, address) if allowed(self, address) else errno.ECONNREFUSED

    socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = getaddrinfo, connect, connect_ex
    try:
        yield seen
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
