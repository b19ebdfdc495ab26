# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""asyncio UDP endpoints for LISP control traffic (virtual routers and controller)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

log = logging.getLogger(__name__)

# Thousands of ETRs answering at once must not overflow the Map-Server's socket
# queue on loopback; as root SO_RCVBUFFORCE lifts the net.core.rmem_max cap.
RECEIVE_BUFFER = 16 * 1024 * 1024

Handler = Callable[[bytes, tuple[str, int]], None]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self._handler(data, addr)
        except Exception:  # a bad packet must never take the router down
            log.exception("handler failed for a datagram from %s", addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a peer that is down: expected during reboots.
        log.debug("UDP error: %s", exc)


def bind_udp_socket(host: str, port: int, receive_buffer: int = RECEIVE_BUFFER) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, receive_buffer)
                break
            except OSError:
                continue
        sock.bind((host, port))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def open_udp(
    host: str, port: int, handler: Handler, receive_buffer: int = RECEIVE_BUFFER
) -> asyncio.DatagramTransport:
    loop = asyncio.get_running_loop()
    sock = bind_udp_socket(host, port, receive_buffer)
    transport, _protocol = await loop.create_datagram_endpoint(
        lambda: _Protocol(handler), sock=sock
    )
    return transport
