# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Follow an earlier run's bridges until the sites' own ETRs take over, as a task of its own.

``reregister`` with ``handback_timeout: 0`` bridges and returns as soon as the
table is whole, so that a playbook can write its report at once. This step
follows the hand-back afterwards: it reads the Map-Server's table until each
bridged site shows its own ETR registration, notes when (``etr_confirmed``)
and, with ``withdraw``, withdraws that bridge from the address and port the
earlier run sent it from (the Map-Server keeps registrations per source). It
returns the earlier result with those times filled in, for the report.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_run import (
    SiteBridge,
    hand_back,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_send import (
    BridgeSender,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
)


class HandbackError(ValueError):
    """The earlier result cannot be followed (not a reregister result of this inventory)."""


def parse_source(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6-host]:port``, as ``reregister`` reports its sources."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise HandbackError(f"bridge source {text!r} is not ADDRESS:PORT")
    return host.strip("[]"), int(port)


def waiting_bridges(inventory: EidInventory, previous: dict[str, Any]) -> dict[str, SiteBridge]:
    """The sites the earlier run bridged whose own ETR it has not seen yet."""
    sites = {site.name: site for site in inventory.sites}
    bridges: dict[str, SiteBridge] = {}
    for entry in previous.get("sites") or ():
        if entry.get("method") != "register" or not entry.get("bridged"):
            continue
        if entry.get("etr_confirmed"):
            continue
        site = sites.get(entry.get("site"))
        if site is None:
            raise HandbackError(f"site {entry.get('site')!r} is not in the EID inventory")
        bridged_at = datetime.fromisoformat(entry["bridged"]).timestamp()
        # The earlier run's confirmations, rebuilt: what hand_back needs to
        # know is that the MS confirmed the bridge, and when.
        results = [
            NotifyResult(
                site=site.name,
                etr=str(message.get("etr", "")),
                rloc=str(message.get("rloc", "")),
                acked=True,
                acked_at=bridged_at,
            )
            for message in entry.get("etrs") or [{}]
        ]
        bridges[site.name] = SiteBridge(site, results=results)
    return bridges


def run_handback(
    inventory: EidInventory,
    previous: dict[str, Any],
    read_briefs: Callable[[], Sequence[Registration]],
    *,
    timeout: float,
    withdraw: bool,
    nonce_file: str | None = None,
) -> dict[str, Any]:
    bridges = waiting_bridges(inventory, previous)
    result = copy.deepcopy(previous)
    summary: dict[str, Any] = {
        "followed": len(bridges),
        "withdraw_error": None,
        "not_followed": None,
    }
    if bridges:
        sources = previous.get("sources") or []
        if not sources:
            raise HandbackError("the earlier result names no bridge source (sources)")
        host, port = parse_source(str(sources[0]))
        # An unknown name raises the inventory's UnknownNameError (lists the known ones).
        lisp_address = inventory.map_server(str(previous.get("map_server"))).lisp_address
        sender = BridgeSender(
            lisp_address, source_address=host, source_port=port, nonce_file=nonce_file
        )
        summary["withdraw_error"], summary["not_followed"] = asyncio.run(
            _follow(sender, bridges, read_briefs, timeout, withdraw)
        )
        for entry in result.get("sites") or ():
            bridge = bridges.get(entry.get("site"))
            if bridge is not None:
                fresh = bridge.as_result()
                entry["etr_confirmed"] = fresh["etr_confirmed"]
                entry["bridge_withdrawn"] = fresh["bridge_withdrawn"]
    summary["confirmed"] = sum(1 for b in bridges.values() if b.etr_confirmed_at is not None)
    summary["withdrawn"] = sum(1 for b in bridges.values() if b.withdrawn_at is not None)
    summary["waiting"] = sorted(n for n, b in bridges.items() if b.etr_confirmed_at is None)
    result["handback"] = summary
    return result


async def _follow(
    sender: BridgeSender,
    bridges: dict[str, SiteBridge],
    read_briefs: Callable[[], Sequence[Registration]],
    timeout: float,
    withdraw: bool,
) -> tuple[str | None, str | None]:
    """The hand-back itself: the error that kept it from withdrawing, and why
    it could not follow the bridges at all (each None when there was none)."""
    error = None
    opened = False
    if withdraw:
        try:
            await sender.open()
            opened = True
        except OSError as exc:
            # Another socket took the port since: the bridges expire instead.
            error = (
                f"cannot send from {sender.source_text} again ({exc.strerror or exc});"
                " the bridges expire on the Map-Server"
            )
    try:
        untold = await hand_back(sender, bridges, read_briefs, timeout, withdraw and opened)
    finally:
        sender.close()
    return error, untold
