# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``reregister`` run: plan, notify by the chosen method, watch the table refill.

The module only builds :class:`RunOptions` and :class:`Routers` from its
parameters and connection; everything here is exercised by the unit tests with
fake routers and by the integration tests with the lab.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    RegisteredTable,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    ReregistrationResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import format_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    stale_sites,
    would_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_run import (
    SiteBridge,
    auto_methods,
    hand_back,
    send_bridges,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_send import (
    DEFAULT_PACE as BRIDGE_PACE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_send import (
    BridgeSender,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.controller_notify import (  # noqa: E501
    NotifySettings,
    notify_from_controller,
    targets_for_sites,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.etr_rpc import (
    DEFAULT_WORKERS,
    Connector,
    EtrCredentials,
    Reregister,
    ncclient_connector,
    reregister_over_netconf,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    Completeness,
    Plan,
    completeness,
    default_map_server,
    make_plan,
    registered_count,
    select_sites,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.table_watch import (
    Watch,
    wait_until_whole,
)

METHODS = ("auto", "ms", "lisp", "netconf", "register")
DEFAULT_TIMEOUT = 30.0
# Longest the Map-Server may hold the send-reregistration RPC for acks (see ms_ack_wait).
MS_ACK_WAIT = 10.0
MAX_LISTED_IN_MESSAGE = 10


@dataclass(frozen=True)
class BridgeSettings:
    """The ``register`` method (and ``auto``'s bridged sites)."""

    pace: float = BRIDGE_PACE  # Map-Registers per second
    source_address: str | None = None
    # Seconds to wait, once the table is whole, for each bridged site's own
    # ETR registration (RV etr_confirmed; 0: do not wait).
    handback_timeout: float = 0.0
    # Withdraw each bridge once its ETR shows (T bit, TTL 0: bridge_plan's
    # WITHDRAW_TTL); off, every bridge expires on the MS by its default timeout.
    withdraw: bool = False
    force: bool = False  # bridge sites known or suspected to be stale too
    drift: dict[str, Any] | None = None  # eid_snapshot's RV(drift)
    inventory_path: str | None = None
    max_inventory_age: float | None = None


@dataclass(frozen=True)
class RunOptions:
    method: str = "ms"
    map_server: str | None = None
    sites: tuple[str, ...] | None = None
    only_missing: bool = True
    wait: bool = True
    timeout: float = DEFAULT_TIMEOUT
    fail_on_incomplete: bool = True
    check_mode: bool = False
    notify: NotifySettings = field(default_factory=NotifySettings)
    etr_credentials: EtrCredentials | None = None
    etr_workers: int = DEFAULT_WORKERS
    bridge: BridgeSettings = field(default_factory=BridgeSettings)


@dataclass
class Routers:
    """How this run reaches the routers (the Platform calls on the task's session)."""

    read_table: Callable[[], RegisteredTable]
    ms_reregister: Callable[[Sequence[str], bool, int], ReregistrationResult]
    etr_reregister: Reregister
    etr_connect: Connector = ncclient_connector
    # Registered EIDs from the MS summary (None: not reported): polled while
    # waiting instead of the whole table, which is read once the count is there.
    read_count: Callable[[], int | None] | None = None
    # The brief table with registrants (bridge hand-back); None: not readable.
    read_briefs: Callable[[], Sequence[Registration]] | None = None
    # False when the Map-Server has no NETCONF session (reached over LISP
    # only): nothing is read, and only bridges can be sent and confirmed.
    netconf: bool = True
    # False when the Map-Server cannot notify ETRs itself (no MS-native method,
    # e.g. a standard IETF or IOS-XE server): auto notifies from the controller.
    ms_native: bool = True


@dataclass
class Sending:
    results: list[NotifyResult]
    sent: int
    acked: int
    extra: dict[str, Any] = field(default_factory=dict)
    # False when an ETR not reported as acked may still be notified (the MS
    # retransmits on after its RPC timed out), so waiting may still pay off.
    final: bool = True
    bridges: dict[str, SiteBridge] = field(default_factory=dict)


def run_reregister(
    inventory: EidInventory, options: RunOptions, routers: Routers
) -> dict[str, Any]:
    """The module result (``failed``/``msg`` included when the run failed)."""
    if options.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if not routers.netconf and options.method not in ("auto", "register"):
        raise ValueError(
            f"method {options.method} needs a NETCONF session to the Map-Server;"
            " without one only method register (or auto) can run"
        )
    ms_name = default_map_server(inventory, options.map_server)
    selected = select_sites(inventory, ms_name, options.sites)
    read_first = options.only_missing and routers.netconf
    table = routers.read_table() if read_first else None
    plan = make_plan(selected, table, read_first)
    methods = _methods(plan, options, routers)
    bridged = [t.site for t in plan.targets if methods[t.site.name] == "register"]
    refused = (
        {}
        if options.bridge.force
        else stale_sites(
            bridged,
            options.bridge.drift,
            options.bridge.inventory_path,
            options.bridge.max_inventory_age,
        )
    )
    target_names = plan.target_names
    targeted = set(target_names)
    base: dict[str, Any] = {
        "method": options.method,
        "map_server": ms_name,
        "targeted_sites": [n for n in target_names if n not in refused],
        "site_methods": {n: methods[n] for n in target_names if n not in refused},
        "stale_sites": [{"site": n, "reason": why} for n, why in refused.items()],
        # In scope but not targeted: registered in full when the tool acted.
        "whole_sites": [s.name for s in plan.selected if s.name not in targeted],
    }
    if refused:
        plan = Plan(plan.selected, tuple(t for t in plan.targets if t.site.name not in refused))
    if options.check_mode or not plan.targets:
        lisp_address = inventory.map_server(ms_name).lisp_address
        bridged = [t.site for t in plan.targets if methods[t.site.name] == "register"]
        base["would_register"] = would_register(bridged, lisp_address)
        result = _without_sending(base, plan, table, methods)
        if refused and not options.check_mode and options.fail_on_incomplete:
            result["failed"] = True
            result["msg"] = (
                "nothing sent: every targeted site's stored info may be stale (force to"
                f" override): {_listed(list(refused))}; {next(iter(refused.values()))}"
            )
        return result
    before = None if table is None else registered_count(plan.selected, table)
    lisp_address = inventory.map_server(ms_name).lisp_address
    return asyncio.run(_send_and_watch(base, plan, options, routers, before, methods, lisp_address))


def _methods(plan: Plan, options: RunOptions, routers: Routers) -> dict[str, str]:
    sites = [t.site for t in plan.targets]
    if options.method == "auto":
        return auto_methods(sites, netconf=routers.netconf, ms_native=routers.ms_native)
    return {site.name: options.method for site in sites}


def _without_sending(
    base: dict[str, Any], plan: Plan, table: RegisteredTable | None, methods: dict[str, str]
) -> dict[str, Any]:
    sites = plan.as_check_mode_sites()
    for entry in sites:
        entry["method"] = methods[str(entry["site"])]
    result: dict[str, Any] = {
        **base,
        "changed": bool(plan.targets),  # check mode: what a real run would change
        "sites": sites,
        "sent": 0,
        "acked": 0,
        "failed_sites": [],
        "unreachable_etrs": [],
        "elapsed": None,
        "progress": [],
        "would_send": _would_send(plan, methods, base["would_register"]),
    }
    if table is not None:
        result.update(completeness(plan.selected, table).as_result())
    else:
        result.update({"complete": None, "expected": None, "registered": None, "missing": []})
    return result


def _would_send(plan: Plan, methods: dict[str, str], bridges: list[dict[str, Any]]) -> int:
    """Notifications (one per ETR) plus bridge Map-Registers a run would send."""
    registers = {b["site"]: int(b["map_registers"]) for b in bridges}
    return sum(
        registers.get(t.site.name, 0) if methods[t.site.name] == "register" else len(t.site.etrs)
        for t in plan.targets
    )


async def _send_and_watch(
    base: dict[str, Any],
    plan: Plan,
    options: RunOptions,
    routers: Routers,
    before: int | None,
    methods: dict[str, str],
    lisp_address: IPAddress,
) -> dict[str, Any]:
    first_sent = asyncio.Event()
    stop = asyncio.Event()
    groups: dict[str, list[Site]] = {}
    for target in plan.targets:
        groups.setdefault(methods[target.site.name], []).append(target.site)
    sender: BridgeSender | None = None
    if "register" in groups:
        sender = BridgeSender(
            lisp_address,
            pace=options.bridge.pace,
            source_address=options.bridge.source_address,
            nonce_file=options.notify.nonce_file,
        )
        await sender.open()  # e.g. source_address not local: nothing was sent
        base["sources"] = [sender.source_text]
    try:
        return await _run_groups(
            base, plan, options, routers, before, groups, sender, first_sent, stop, lisp_address
        )
    finally:
        if sender is not None:
            sender.close()


async def _run_groups(
    base: dict[str, Any],
    plan: Plan,
    options: RunOptions,
    routers: Routers,
    before: int | None,
    groups: dict[str, list[Site]],
    sender: BridgeSender | None,
    first_sent: asyncio.Event,
    stop: asyncio.Event,
    lisp_address: IPAddress,
) -> dict[str, Any]:
    sending = asyncio.ensure_future(
        _send_all(options, routers, groups, sender, first_sent, stop, lisp_address)
    )
    started = asyncio.ensure_future(first_sent.wait())
    await asyncio.wait([sending, started], return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    failure = sending.exception() if sending.done() else None
    if failure is not None:
        raise failure  # e.g. source_address not local: nothing was sent
    # The curve starts at the first notification (or, when none could go out,
    # at the end of the attempt, which then is reported per ETR).
    watch = Watch(started=time.monotonic())
    # Wall clock of the same instant: the report puts it on the outage's time axis.
    base = {**base, "acted_at": format_time(datetime.now(UTC))}
    if before is not None:
        watch.progress.append([0.0, before])  # the curve starts from the table read first
    if not routers.netconf:
        # Reached over LISP only: the MS's Map-Notify for each bridge is the
        # one confirmation there is (map_request then checks resolution).
        outcome = await sending
        state = _confirmed_state(plan.selected, outcome)
        watch.record(state)
    elif options.wait:
        state = await wait_until_whole(
            plan.selected,
            routers.read_table,
            watch,
            options.timeout,
            keep_going=lambda: not sending.done(),
            give_up=lambda state: _nothing_more_to_come(sending, state),
            read_count=routers.read_count,
        )
        stop.set()  # the bound also holds for retransmissions still going on
        outcome = await sending
    else:
        outcome = await sending
        state = completeness(plan.selected, await asyncio.to_thread(routers.read_table))
        watch.record(state)
    handback = options.bridge.handback_timeout
    if sender is not None and outcome.bridges and routers.read_briefs and handback > 0:
        await hand_back(
            sender, outcome.bridges, routers.read_briefs, handback, options.bridge.withdraw
        )
    return _report(base, plan, options, outcome, state, watch)


def _confirmed_state(sites: Sequence[Site], outcome: Sending) -> Completeness:
    """Completeness as the bridges' confirmations tell it (no table to read)."""
    table: RegisteredTable = {}
    for bridge in outcome.bridges.values():
        if bridge.confirmed:
            for eid in bridge.site.eids:
                table[eid] = bridge.site.rlocs
    return completeness(sites, table)


def _nothing_more_to_come(sending: asyncio.Future[Sending], state: Completeness) -> bool:
    """Every site still missing has only ETRs that did not answer, and nothing
    is still being sent: waiting out the timeout would only delay the failure."""
    if not sending.done() or sending.exception() is not None:
        return False
    outcome = sending.result()
    if not outcome.final:
        return False
    answered = {r.site for r in outcome.results if r.acked}
    return not any(site in answered for site in state.unrecovered_sites)


async def _send_all(
    options: RunOptions,
    routers: Routers,
    groups: dict[str, list[Site]],
    sender: BridgeSender | None,
    first_sent: asyncio.Event,
    stop: asyncio.Event,
    lisp_address: IPAddress,
) -> Sending:
    """Every group by its method at once; one Sending for the report."""
    jobs = [
        _send(method, options, routers, sites, sender, first_sent, stop, lisp_address)
        for method, sites in groups.items()
    ]
    merged = Sending([], 0, 0)
    for outcome in await asyncio.gather(*jobs):
        merged.results.extend(outcome.results)
        merged.sent += outcome.sent
        merged.acked += outcome.acked
        for key, value in outcome.extra.items():
            if isinstance(value, list):
                merged.extra.setdefault(key, []).extend(value)
            else:
                merged.extra[key] = value
        merged.final = merged.final and outcome.final
        merged.bridges.update(outcome.bridges)
    return merged


async def _send(
    method: str,
    options: RunOptions,
    routers: Routers,
    sites: Sequence[Site],
    sender: BridgeSender | None,
    first_sent: asyncio.Event,
    stop: asyncio.Event,
    lisp_address: IPAddress,
) -> Sending:
    """``lisp_address``: the Map-Server being recovered, the only one the
    bridges and the ETRs' re-registration RPC go to."""
    if method == "register":
        if sender is None:
            raise RuntimeError("no bridge socket")
        bridges = await send_bridges(sender, sites, stop=stop, on_first_send=first_sent.set)
        results = [r for b in bridges.values() for r in b.results]
        acked = sum(1 for r in results if r.acked)
        return Sending(results, len(results), acked, bridges=bridges)
    if method == "lisp":
        run = await notify_from_controller(
            targets_for_sites(sites), options.notify, stop=stop, first_sent=first_sent
        )
        acked = sum(1 for r in run.results if r.acked)
        return Sending(run.results, run.sent, acked, {"sources": run.sources})
    if method == "netconf":
        if options.etr_credentials is None:
            raise ValueError("method netconf needs etr_username and etr_password")
        rpc_run = await reregister_over_netconf(
            sites,
            options.etr_credentials,
            routers.etr_reregister,
            lisp_address,
            workers=options.etr_workers,
            connect=routers.etr_connect,
            first_sent=first_sent,
        )
        acked = sum(1 for r in rpc_run.results if r.acked)
        return Sending(rpc_run.results, rpc_run.sent, acked)
    try:
        return await _send_through_ms(options, routers, sites, first_sent)
    except NetconfFailure as exc:
        if options.method != "auto":
            raise
        # auto: an MS without MS-native notification; the controller notifies.
        outcome = await _send(
            "lisp", options, routers, sites, sender, first_sent, stop, lisp_address
        )
        outcome.extra["ms_fallback"] = f"Map-Server notification failed ({exc}); sent from here"
        return outcome


def ms_ack_wait(timeout: float) -> int:
    """Seconds the Map-Server may hold the RPC open for acks (whole, 1..65535).

    The table is read on the same NETCONF session, which answers one request
    at a time: an RPC held for the whole timeout would leave the progress curve
    without a point until then. Half the timeout, at most MS_ACK_WAIT, leaves
    room for the reads; an ETR not acked by then is reported as such.
    """
    return max(1, min(0xFFFF, math.ceil(min(timeout / 2, MS_ACK_WAIT))))


async def _send_through_ms(
    options: RunOptions, routers: Routers, sites: Sequence[Site], first_sent: asyncio.Event
) -> Sending:
    names = [site.name for site in sites]
    rpc_timeout = ms_ack_wait(options.timeout)
    first_sent.set()
    try:
        reply = await asyncio.to_thread(routers.ms_reregister, names, True, rpc_timeout)
    except NetconfFailure as exc:
        text = str(exc)
        if "acked within" not in text:
            raise
        # A Map-Server that answers its timeout with an error, without saying
        # which ETR acked: it sent them all, the table read tells which came back.
        results = [
            NotifyResult(site.name, etr.name, str(etr.rloc), error=f"Map-Server: {text}")
            for site in sites
            for etr in site.etrs
        ]
        return Sending(results, len(results), 0, final=False)
    results = [
        NotifyResult(
            site=site.site,
            etr=etr.etr,
            rloc="" if etr.rloc is None else str(etr.rloc),
            acked=etr.acked,
            retries=etr.retries,
            error=etr.error,
        )
        for site in reply.sites
        for etr in site.etrs
    ]
    # ETRs the MS still retransmits to may yet answer within our timeout.
    final = reply.acked == len(results) or rpc_timeout >= options.timeout
    return Sending(results, reply.notifications_sent, reply.acked, final=final)


def _report(
    base: dict[str, Any],
    plan: Plan,
    options: RunOptions,
    sending: Sending,
    state: Completeness,
    watch: Watch,
) -> dict[str, Any]:
    unrecovered = set(state.unrecovered_sites)
    by_site: dict[str, list[NotifyResult]] = {}
    for notified in sending.results:
        by_site.setdefault(notified.site, []).append(notified)
    sites = []
    unreachable: list[NotifyResult] = []
    for target in plan.targets:
        name = target.site.name
        etrs = [
            {"etr": r.etr, "rloc": r.rloc, "acked": r.acked, "retries": r.retries, "error": r.error}
            for r in by_site.get(name, [])
        ]
        # An ETR whose site is whole did re-register, whatever happened to its ack.
        if name in unrecovered:
            unreachable.extend(r for r in by_site.get(name, []) if not r.acked)
        entry: dict[str, Any] = {
            "site": name,
            "method": base["site_methods"][name],
            "etrs": etrs,
            "recovered": name not in unrecovered,
        }
        bridge = sending.bridges.get(name)
        if bridge is not None:
            entry.update(bridge.as_result())
        sites.append(entry)
    result: dict[str, Any] = {
        **base,
        **sending.extra,
        "changed": sending.sent > 0,
        "sites": sites,
        "sent": sending.sent,
        "acked": sending.acked,
        "failed_sites": [t.site.name for t in plan.targets if t.site.name in unrecovered],
        "unreachable_etrs": [r.etr for r in unreachable],
        "elapsed": watch.elapsed,
        "progress": watch.progress,
        **state.as_result(),
    }
    if options.wait and options.fail_on_incomplete and not state.complete:
        result["failed"] = True
        waited = watch.progress[-1][0] if watch.progress else 0.0
        result["msg"] = incomplete_message(state, unreachable, waited)
        if base["stale_sites"]:
            names = [s["site"] for s in base["stale_sites"]]
            result["msg"] += (
                f"; not bridged because their stored info may be stale (force to override):"
                f" {_listed(names)}"
            )
    return result


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED_IN_MESSAGE])
    more = len(names) - MAX_LISTED_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


def incomplete_message(
    state: Completeness, unreachable: Sequence[NotifyResult], waited: float
) -> str:
    text = (
        f"the registration table is not whole {waited:.1f} s after the first notification:"
        f" {len(state.missing)} of {state.expected} EIDs missing;"
        f" sites not recovered: {_listed(list(state.unrecovered_sites))}"
    )
    if unreachable:
        etrs = [f"{r.etr} ({r.rloc}): {r.error or 'no ack'}" for r in unreachable]
        text += f"; ETRs that did not answer: {_listed(etrs)}"
    return text
