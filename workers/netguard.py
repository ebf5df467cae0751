"""Which addresses the fetcher may connect to, and a network backend that enforces it.

The check runs where the connection is made: `GuardedBackend.connect_tcp` resolves the
host once, refuses the whole name if any of its addresses is not public, and dials the
address it checked. A redirect opens its own connection, so every hop is checked, and a
name that resolves differently the second time (DNS rebinding) is dialled at the address
that passed, never at a fresh answer.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpcore

from factdesk.errors import (
    FetchRefused,
    HostNotFound,
    LinkLocalAddress,
    LoopbackAddress,
    NonPublicAddress,
    PrivateAddress,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses it resolves to, as strings.
Resolver = Callable[[str, int], Sequence[str]]
# (checked ip, port, connect timeout) -> an open stream.
Connector = Callable[[str, int, float | None], httpcore.NetworkStream]

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Deprecated IPv4-compatible addresses (::a.b.c.d) route to IPv4 on some stacks.
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
ULA = ipaddress.ip_network("fc00::/7")
# IANA special-purpose blocks that this Python's `is_global` still calls global.
SPECIAL_PURPOSE = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.0.0/24",
        "192.88.99.0/24",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
    )
)


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """`FETCH_ALLOWED_NETWORKS` as networks; a malformed entry raises ValueError."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, NAT64, 6to4, Teredo, compatible)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client; the server half is a public relay
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> type[FetchRefused] | None:
    """The refusal for connecting to `ip`, or None when it is public or explicitly allowed."""
    allowed = tuple(allowed)
    inner = embedded_ipv4(ip)
    if _allowed(ip, allowed) or (inner is not None and _allowed(inner, allowed)):
        return None
    # An address that carries an IPv4 one reaches that IPv4 host: judge it by that.
    return _classify(inner if inner is not None else ip)


def _allowed(ip: IPAddress, allowed: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in allowed)


def _classify(ip: IPAddress) -> type[FetchRefused] | None:
    if ip.is_unspecified:
        return NonPublicAddress
    if ip.is_loopback:
        return LoopbackAddress
    if ip.is_link_local:
        return LinkLocalAddress
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return PrivateAddress
    if ip.is_multicast or ip.is_reserved:
        return NonPublicAddress
    if isinstance(ip, ipaddress.IPv6Address) and (ip in ULA or ip.is_site_local):
        return PrivateAddress
    if ip.is_private:
        # 10/8, 172.16/12, 192.168/16, and the special-purpose blocks Python files here.
        return PrivateAddress if _rfc1918(ip) else NonPublicAddress
    if not ip.is_global or any(ip.version == net.version and ip in net for net in SPECIAL_PURPOSE):
        return NonPublicAddress
    return None


def _rfc1918(ip: IPAddress) -> bool:
    return isinstance(ip, ipaddress.IPv4Address) and any(
        ip in ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    )


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound.unresolved(host, detail=repr(exc)) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(
    host: str, port: int, *, resolver: Resolver, allowed: Iterable[IPNetwork]
) -> list[str]:
    """The addresses to dial for `host`; raises the refusal if any of them is not public."""
    host = host.strip("[]")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        answers = resolver(host, port)
        try:
            addresses = [ipaddress.ip_address(answer.split("%")[0]) for answer in answers]
        except ValueError as exc:
            raise HostNotFound(detail=f"{host} resolved to {answers!r}") from exc
        if not addresses:
            raise HostNotFound.unresolved(host, detail=host)
    allowed = tuple(allowed)
    for ip in addresses:
        kind = refusal(ip, allowed)
        if kind is not None:
            raise kind(detail=f"{host} -> {ip}")
    return [str(ip) for ip in addresses]


def system_connector(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
    """A plain TCP connection to an address already checked."""
    return httpcore.SyncBackend().connect_tcp(ip, port, timeout=timeout, socket_options=[])


class DeadlineStream(httpcore.NetworkStream):
    """A stream whose every read and write ends by one deadline: a server dripping a byte
    a second never trips a per-read timeout, so the whole exchange gets a clock."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self.inner = inner
        self.deadline = deadline

    def _timeout(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("the fetch ran out of time")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # The TLS handshake (SNI and certificate check) uses the link's host name, while
        # the socket underneath stays on the checked address.
        inner = self.inner.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(inner, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks and dials; nothing else in the fetcher opens a socket."""

    def __init__(
        self,
        *,
        allowed: Iterable[IPNetwork],
        deadline: float,
        resolver: Resolver | None = None,
        connector: Connector | None = None,
    ) -> None:
        self.allowed = tuple(allowed)
        self.deadline = deadline
        self.resolver = resolver or system_resolver
        self.connector = connector or system_connector

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, resolver=self.resolver, allowed=self.allowed)
        last: Exception | None = None
        for ip in addresses:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("the fetch ran out of time")
            try:
                stream = self.connector(
                    ip, port, remaining if timeout is None else min(timeout, remaining)
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return DeadlineStream(stream, self.deadline)
        assert last is not None
        raise last

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
