# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``register`` method in a ``reregister`` run, and ``auto``'s choice per site.

Bridging: send each site's bridge Map-Registers, and report per site when the
MS confirmed them. Handing back: note when the MS shows a site's own ETR
registration and, where the Map-Server is known to honour it, withdraw the
bridge (T bit and records with TTL 0 from the same socket, RFC 9301 sections
5.6 and 5.4); a bridge not withdrawn expires on the MS like any registration
that is not refreshed (RFC 9301 section 8.2: within three minutes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import Site
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    bridge_targets,
    etr_confirmed,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_send import (
    BridgeSender,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
)

# What an ETR marked in the EID inventory as acting on notifications supports.
NOTIFY_CAPABILITY = "notify"
BRIDGES_UNTOLD = (
    "the Map-Server's table does not tell the bridges from the ETRs' registrations"
    " (no registration source: a standard IETF server), so they are left to expire"
)
HANDBACK_POLL = 1.0  # seconds between table reads while waiting for the ETRs


def acts_on_notify(site: Site) -> bool:
    """Every ETR of the site re-registers when notified (EID inventory ``supports``)."""
    return all(NOTIFY_CAPABILITY in etr.supports for etr in site.etrs)


def auto_methods(sites: Sequence[Site], *, netconf: bool, ms_native: bool) -> dict[str, str]:
    """``auto``: notification where the site's ETRs act on it (by the MS when it
    offers MS-native notification, else from the controller), a bridge for every
    other site. Without NETCONF to the MS every site is bridged: the MS's own
    Map-Notify is then the only confirmation that the table holds a site."""
    if not netconf:
        return {site.name: "register" for site in sites}
    notify = "ms" if ms_native else "lisp"
    return {site.name: notify if acts_on_notify(site) else "register" for site in sites}


def iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat()


@dataclass
class SiteBridge:
    """One site's bridge: its messages, when the MS confirmed them, its hand-back."""

    site: Site
    results: list[NotifyResult] = field(default_factory=list)
    etr_confirmed_at: float | None = None
    withdrawn_at: float | None = None
    withdraw_error: str | None = None

    @property
    def confirmed(self) -> bool:
        return bool(self.results) and all(r.acked for r in self.results)

    @property
    def bridged_at(self) -> float | None:
        if not self.confirmed:
            return None
        return max(r.acked_at or 0.0 for r in self.results)

    def as_result(self) -> dict[str, Any]:
        return {
            "bridged": iso(self.bridged_at),
            "bridge_messages": len(self.results),
            "etr_confirmed": iso(self.etr_confirmed_at),
            "bridge_withdrawn": iso(self.withdrawn_at),
        }


async def send_bridges(
    sender: BridgeSender,
    sites: Sequence[Site],
    *,
    stop: asyncio.Event | None,
    on_first_send: Callable[[], None] | None,
) -> dict[str, SiteBridge]:
    targets = bridge_targets(sites, sender.map_server)
    results = await sender.register(targets, stop=stop, on_first_send=on_first_send)
    bridges = {site.name: SiteBridge(site) for site in sites}
    for result in results:
        if not result.acked and result.error is None:
            result.error = "no Map-Notify before the task timeout"
        bridges[result.site].results.append(result)
    return bridges


async def hand_back(
    sender: BridgeSender,
    bridges: dict[str, SiteBridge],
    read_briefs: Callable[[], Sequence[Registration]],
    timeout: float,
    withdraw: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """Wait (up to ``timeout`` s) for each confirmed bridge's site to show its
    ETRs' own registration on the MS; with ``withdraw``, then withdraw that
    bridge. Returns why the bridges could not be followed at all, or None."""
    waiting = {name: b for name, b in bridges.items() if b.confirmed}
    deadline = clock() + timeout
    first = True
    while waiting:
        read_from = clock()
        briefs = await asyncio.to_thread(read_briefs)
        if first and not any(r.registrant in sender.registrants for r in briefs):
            # The MS confirmed the bridges, yet shows none under the bridge's
            # key: it names registrants otherwise, so no site can ever be told
            # handed back (etr_confirmed); the bridges expire instead of a
            # wait of up to ``timeout`` for nothing.
            return BRIDGES_UNTOLD
        first = False
        # A large table takes the MS a while to render (1.5 s at 50,000
        # registrations): poll no more than a third of the time.
        pause = max(HANDBACK_POLL, 2 * (clock() - read_from))
        seen = etr_confirmed([b.site for b in waiting.values()], briefs, sender.registrants)
        now = time.time()
        done = [waiting.pop(name) for name in seen.confirmed]
        for bridge in done:
            bridge.etr_confirmed_at = now
        if done and withdraw:
            await _withdraw(sender, done)
        left = deadline - clock()
        if not waiting or left <= 0:
            return None
        await asyncio.sleep(min(pause, left))
    return None


async def _withdraw(sender: BridgeSender, bridges: Sequence[SiteBridge]) -> None:
    by_site = {b.site.name: b for b in bridges}
    targets = bridge_targets([b.site for b in bridges], sender.map_server, withdraw=True)
    for result in await sender.register(targets):
        bridge = by_site[result.site]
        if result.acked:
            bridge.withdrawn_at = max(bridge.withdrawn_at or 0.0, result.acked_at or 0.0)
        else:
            bridge.withdraw_error = result.error
    for bridge in bridges:
        if bridge.withdraw_error is not None:
            bridge.withdrawn_at = None  # it expires on the MS by itself
