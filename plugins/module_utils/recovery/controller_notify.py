# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``reregister`` with ``method: lisp``: the controller itself notifies the ETRs.

It holds every site key (EID inventory), so it can send the same authenticated
unsolicited Map-Notify the Map-Server would, while the Map-Server is still
booting or cannot send them itself. ETRs ack to the sender's address and port,
so the acks come back to the ephemeral socket opened here.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import Site
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapNotifyMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    Notifier,
    NotifyResult,
    NotifyTarget,
    site_targets,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.udp import open_udp

# RFC 9301 5.7: three retransmissions at the base interval, then doubling.
RETRANSMISSIONS_AT_BASE = 3
DEFAULT_ACK_TIMEOUT = 3.0
DEFAULT_RETRIES = 6
DEFAULT_PACE = 1000.0
STOPPED = "no Map-Notify-Ack before the task timeout"


def retransmit_schedule(ack_timeout: float, retries: int) -> tuple[float, ...]:
    """How long to wait for the ack after each send; 3 s and 6 retries give the
    RFC schedule 3, 3, 3, 3, 6, 12, 24 (7 sends, 54 s)."""
    if ack_timeout <= 0:
        raise ValueError("ack_timeout must be positive")
    if retries < 0:
        raise ValueError("retries must be 0 or more")
    return tuple(
        ack_timeout * (2 ** max(0, attempt - RETRANSMISSIONS_AT_BASE))
        for attempt in range(retries + 1)
    )


def targets_for_sites(sites: Sequence[Site]) -> list[NotifyTarget]:
    targets: list[NotifyTarget] = []
    for site in sites:
        targets.extend(
            site_targets(
                site.name,
                key=site.key.reveal(),
                key_id=site.key_id,
                algorithm=site.algorithm,
                eids=site.eids,
                etrs=[(etr.name, etr.rloc) for etr in site.etrs],
            )
        )
    return targets


@dataclass(frozen=True)
class NotifySettings:
    ack_timeout: float = DEFAULT_ACK_TIMEOUT
    retries: int = DEFAULT_RETRIES
    pace: float = DEFAULT_PACE  # first transmissions per second
    source_address: str | None = None  # None: the wildcard of each family needed
    # The persisted nonce counter (lisp/nonce.py); None keeps it in memory (tests).
    nonce_file: str | None = None

    @property
    def schedule(self) -> tuple[float, ...]:
        return retransmit_schedule(self.ack_timeout, self.retries)


@dataclass
class NotifyRun:
    results: list[NotifyResult] = field(default_factory=list)
    sent: int = 0  # targets that got at least their first transmission
    sources: list[str] = field(default_factory=list)  # "address:port" of each socket


def _bind_addresses(targets: Sequence[NotifyTarget], source: str | None) -> dict[int, str]:
    if source:
        version = ipaddress.ip_address(source).version
        return {version: source}
    versions = {t.rloc.version for t in targets}
    return {v: "0.0.0.0" if v == 4 else "::" for v in sorted(versions)}


async def notify_from_controller(
    targets: Sequence[NotifyTarget],
    settings: NotifySettings,
    *,
    stop: asyncio.Event | None = None,
    first_sent: asyncio.Event | None = None,
) -> NotifyRun:
    """Send every target its Map-Notify, paced, and wait for the acks.

    Setting ``stop`` ends retransmission early (the task's overall timeout);
    targets still waiting then report :data:`STOPPED`. ``first_sent`` is set
    right before the first transmission.
    """
    run = NotifyRun()
    if not targets:
        return run
    notifier = Notifier(
        send=lambda data, addr: _send(transports, data, addr),
        next_nonce=NonceCounter(settings.nonce_file).next,
        schedule=settings.schedule,
        pace_per_second=settings.pace,
    )

    def on_datagram(data: bytes, addr: tuple[str, int]) -> None:
        try:
            message = decode(data)
        except MalformedMessage:
            return
        if isinstance(message, MapNotifyMessage) and message.is_ack:
            notifier.on_ack(message, data, addr)

    transports: dict[int, asyncio.DatagramTransport] = {}
    try:
        for version, host in _bind_addresses(targets, settings.source_address).items():
            transport = await open_udp(host, 0, on_datagram)
            transports[version] = transport
            bound = transport.get_extra_info("sockname")
            run.sources.append(
                f"{bound[0]}:{bound[1]}" if version == 4 else f"[{bound[0]}]:{bound[1]}"
            )
        run.results = await _paced(notifier, targets, run, stop, first_sent)
    finally:
        for transport in transports.values():
            transport.close()
    return run


def _send(
    transports: dict[int, asyncio.DatagramTransport], data: bytes, addr: tuple[str, int]
) -> None:
    version = ipaddress.ip_address(addr[0]).version
    transport = transports.get(version)
    if transport is None:
        # Raised as OSError so that the Notifier reports it as a send failure.
        raise OSError(f"no IPv{version} socket (source_address is another family)")
    transport.sendto(data, addr)


async def _paced(
    notifier: Notifier,
    targets: Sequence[NotifyTarget],
    run: NotifyRun,
    stop: asyncio.Event | None,
    first_sent: asyncio.Event | None,
) -> list[NotifyResult]:
    def started() -> None:
        if first_sent is not None:
            first_sent.set()
        run.sent += 1

    results = await notifier.notify(targets, on_first_send=started, stop=stop)
    for result in results:
        if not result.acked and result.error is None:
            result.error = STOPPED
    return results
