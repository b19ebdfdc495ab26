# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send bridge registrations to a Map-Server and take its confirmations.

One UDP socket for the whole run, bound to the address the route to the MS
uses: the bridges and, later, their withdrawal leave from the same address and
port, so that the Map-Server (which keeps registrations per registrant, as
IOS-XE keeps them per source address and port) withdraws the bridge's own
registration and never an ETR's. Delivery is the Notifier's (paced,
retransmitted until answered), here answered by the MS's Map-Notify.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Sequence

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapNotifyMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    RETRANSMIT_SCHEDULE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
    Notifier,
    NotifyResult,
    NotifyTarget,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.udp import open_udp

DEFAULT_PACE = 20000.0  # Map-Registers per second
NONCE_START, NONCE_END = 4, 12  # the nonce in a Map-Notify (RFC 9301 5.7)


def route_source(map_server: IPAddress, source_address: str | None) -> str:
    """The local address datagrams to the MS leave from (no packet is sent:
    connecting a UDP socket only asks the kernel for the route)."""
    if source_address:
        return source_address
    family = socket.AF_INET if map_server.version == 4 else socket.AF_INET6
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect((str(map_server), LISP_CONTROL_PORT))
        return str(probe.getsockname()[0])


class BridgeSender:
    """The controller's registering end towards one Map-Server."""

    def __init__(
        self,
        map_server: IPAddress,
        *,
        pace: float = DEFAULT_PACE,
        schedule: Sequence[float] = RETRANSMIT_SCHEDULE,
        source_address: str | None = None,
        source_port: int = 0,
        nonce_file: str | None = None,
    ) -> None:
        self.map_server = map_server
        self._source_address = source_address
        # A given port: the bridges of an earlier run, to withdraw them from
        # where they came (the MS keeps them per source address and port).
        self._source_port = source_port
        self._transport: asyncio.DatagramTransport | None = None
        self.source: tuple[str, int] | None = (
            (source_address, source_port) if source_address and source_port else None
        )
        self._notifier = Notifier(
            send=self._send,
            # The controller's persisted counter (lisp/nonce.py), shared with
            # its notifications: nonces grow across runs, whatever the clock does.
            next_nonce=NonceCounter(nonce_file).next,
            schedule=schedule,
            pace_per_second=pace,
            answer_is_ack=False,
        )

    async def open(self) -> None:
        host = route_source(self.map_server, self._source_address)
        if ipaddress.ip_address(host).version != self.map_server.version:
            raise ValueError(
                f"source_address {host} is not of the Map-Server's address family"
                f" ({self.map_server})"
            )
        self._transport = await open_udp(host, self._source_port, self._on_datagram)
        bound = self._transport.get_extra_info("sockname")
        self.source = (str(bound[0]), int(bound[1]))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def registrants(self) -> frozenset[tuple[IPAddress, int]]:
        """Who this sender is to the MS (``Registration.registrant``): it sends
        no xTR-ID, so the MS keys its registrations by their source address
        and port. A read that does not tell the source (a standard IETF
        server keys them by an xTR-ID of its own) never shows it, and its
        bridges are left to expire (``etr_confirmed``)."""
        if self.source is None:
            raise RuntimeError("the bridge socket is not open and has no given source")
        return frozenset({(ipaddress.ip_address(self.source[0]), self.source[1])})

    @property
    def source_text(self) -> str:
        if self.source is None:
            return ""
        host, port = self.source
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def register(
        self,
        targets: Sequence[NotifyTarget],
        *,
        stop: asyncio.Event | None = None,
        on_first_send: Callable[[], None] | None = None,
    ) -> list[NotifyResult]:
        """Send every Map-Register and wait for the MS's Map-Notify for each."""
        return await self._notifier.notify(targets, on_first_send=on_first_send, stop=stop)

    def _send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._transport is None:
            raise OSError("the bridge socket is closed")
        self._transport.sendto(data, addr)

    def _on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        # The nonce first (octets 4-12 of every authenticated message): the
        # answers to retransmissions already confirmed, and strays, are
        # dropped without decoding their records (profiled: decoding every
        # Map-Notify was the largest part of the controller's receive path).
        if len(data) < NONCE_END or not self._notifier.expects(
            int.from_bytes(data[NONCE_START:NONCE_END], "big")
        ):
            return
        try:
            message = decode(data)
        except MalformedMessage:
            return
        if isinstance(message, MapNotifyMessage) and not message.is_ack:
            self._notifier.on_ack(message, data, addr)
