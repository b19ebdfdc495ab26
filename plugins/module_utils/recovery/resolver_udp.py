# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send ECM-encapsulated Map-Requests to a Map-Server and collect the Map-Replies.

The controller plays an ITR: the ECM goes to the Map-Server's LISP address on
UDP 4342, and the Map-Reply comes back to the ITR-RLOC and inner source port,
either from the Map-Server (proxy or negative reply) or from the ETR the
request was forwarded to. Replies are matched to requests by nonce only,
since the replier's address is not known in advance.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapReplyMessage,
    decode,
    encode_ecm,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import new_nonce
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver import (
    Answer,
    Query,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.udp import open_udp

DEFAULT_TIMEOUT = 2.0
DEFAULT_RETRIES = 1
DEFAULT_CONCURRENCY = 64


@dataclass(frozen=True)
class ProbeSettings:
    timeout: float = DEFAULT_TIMEOUT  # per transmission
    retries: int = DEFAULT_RETRIES  # retransmissions with the same nonce
    concurrency: int = DEFAULT_CONCURRENCY
    source_address: str | None = None


def local_address_towards(destination: IPAddress) -> IPAddress:
    """The address the kernel would send from: the ITR-RLOC must be reachable
    for the reply, so a wildcard bind cannot be put in the Map-Request."""
    family = socket.AF_INET6 if destination.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect((str(destination), LISP_CONTROL_PORT))  # no packet is sent
        return ipaddress.ip_address(probe.getsockname()[0])


@dataclass
class _Pending:
    future: asyncio.Future[tuple[MapReplyMessage, str, float]]


class Resolver:
    """One socket, many requests in flight, bounded by ``concurrency``."""

    def __init__(self, map_server: IPAddress, settings: ProbeSettings) -> None:
        self.map_server = map_server
        self.settings = settings
        self._pending: dict[int, _Pending] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self.itr_rloc: IPAddress | None = None
        self.port = 0

    async def __aenter__(self) -> Resolver:
        source = ipaddress.ip_address(self.settings.source_address or self.map_server)
        if source.version != self.map_server.version:
            raise ValueError(
                f"source_address {source} and the map-server {self.map_server}"
                " are of different IP versions"
            )
        if self.settings.source_address and not source.is_unspecified:
            host, address = str(source), source
        else:
            host = "0.0.0.0" if source.version == 4 else "::"
            address = local_address_towards(self.map_server)
        self._transport = await open_udp(host, 0, self._on_datagram)
        self.itr_rloc = address
        self.port = int(self._transport.get_extra_info("sockname")[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            message = decode(data)
        except MalformedMessage:
            return
        if not isinstance(message, MapReplyMessage):
            return
        pending = self._pending.get(message.nonce)
        if pending is not None and not pending.future.done():
            pending.future.set_result((message, addr[0], time.monotonic()))

    def _request(self, query: Query, nonce: int, itr_rloc: IPAddress) -> bytes:
        inner = encode_map_request([query.host], nonce=nonce, itr_rlocs=[itr_rloc])
        return encode_ecm(inner, src=itr_rloc, dst=self.map_server, sport=self.port)

    async def ask(self, query: Query) -> tuple[Answer | None, int]:
        """The answer (None on timeout) and how many transmissions it took."""
        transport, itr_rloc = self._transport, self.itr_rloc
        if transport is None or itr_rloc is None:
            raise RuntimeError("Resolver.ask() outside `async with Resolver(...)`")
        nonce = new_nonce()
        while nonce in self._pending:
            nonce = new_nonce()
        future: asyncio.Future[tuple[MapReplyMessage, str, float]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[nonce] = _Pending(future)
        message = self._request(query, nonce, itr_rloc)
        destination = (str(self.map_server), LISP_CONTROL_PORT)
        first = time.monotonic()
        attempts = 0
        try:
            for _transmission in range(self.settings.retries + 1):
                attempts += 1
                transport.sendto(message, destination)
                try:
                    reply, replier, at = await asyncio.wait_for(
                        asyncio.shield(future), timeout=self.settings.timeout
                    )
                except TimeoutError:
                    continue
                return Answer(reply, replier, at - first, attempts), attempts
            return None, attempts
        finally:
            self._pending.pop(nonce, None)
            if not future.done():
                future.cancel()


async def resolve_all(
    map_server: IPAddress, queries: Sequence[Query], settings: ProbeSettings
) -> list[tuple[Query, Answer | None, int]]:
    """Ask every query, at most ``concurrency`` at a time; results in query order."""
    limit = asyncio.Semaphore(max(1, settings.concurrency))
    async with Resolver(map_server, settings) as resolver:

        async def one(query: Query) -> tuple[Query, Answer | None, int]:
            async with limit:
                answer, attempts = await resolver.ask(query)
                return query, answer, attempts

        return list(await asyncio.gather(*(one(q) for q in queries)))
