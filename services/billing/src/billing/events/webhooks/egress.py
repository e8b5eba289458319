"""Where webhooks may go: public addresses only, unless a network is allowed by configuration.

A tenant (client or partner) registers the URL, and billing POSTs to it from inside our network:
without a guard, ``https://10.0.0.7/``, ``http://169.254.169.254/`` (a cloud's metadata
service) or a name resolving to either would make billing a proxy into places only it can
reach (server-side request forgery). Two checks:

* at registration (``check_destination``): a literal address, or ``localhost``, outside the
  public internet is refused with a 422 naming ``url``;
* at every connection (``PublicAddressesOnly``): the host name is resolved here, every address
  it resolves to must be allowed, and the connection goes to the address that was checked, so
  a name that answers differently the second time (DNS rebinding) cannot slip through. TLS still
  verifies the certificate against the name. Deliveries never follow redirects.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import anyio
import httpcore
import httpx

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDR blocks (``10.20.0.0/16``, ``fd00::/8``) or single addresses."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def refusal(address: Address, allowed: Sequence[Network]) -> str | None:
    """Why a connection to ``address`` is refused, or None when it may go ahead."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if any(address in network for network in allowed):
        return None
    if address.is_global and not address.is_multicast:
        return None
    return f"{address} is not a public address"


def check_destination(url: str, allowed: Sequence[Network]) -> str | None:
    """Why an endpoint URL is refused at registration, or None. Names other than
    ``localhost`` are judged when a delivery connects (their addresses may change)."""
    host = httpx.URL(url).host
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    reason = refusal(address, allowed)
    return None if reason is None else f"{reason} (webhooks go to public addresses only)"


class PublicAddressesOnly(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving names itself and connecting only to allowed
    addresses (the checked address, not the name, is what the socket connects to)."""

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self.allowed = tuple(allowed)
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from exc
        addresses = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        for address in addresses:  # one private answer is enough to refuse the name
            if reason := refusal(address, self.allowed):
                raise httpcore.ConnectError(f"refused: {host} resolves to {address}: {reason}")
        return await self._backend.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not go to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a connection pool that uses ``PublicAddressesOnly``.

    httpx does not take a network backend as a parameter, so the pool it builds is replaced
    by the same pool with the backend (certificate checks as httpx's defaults)."""

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=PublicAddressesOnly(allowed),
        )
