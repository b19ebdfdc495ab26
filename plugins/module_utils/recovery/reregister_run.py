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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    ReregistrationResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import format_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
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
    RegisteredTable,
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

METHODS = ("ms", "lisp", "netconf")
DEFAULT_TIMEOUT = 30.0
# Longest the Map-Server may hold the send-reregistration RPC for acks (see ms_ack_wait).
MS_ACK_WAIT = 10.0
MAX_LISTED_IN_MESSAGE = 10


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


@dataclass
class Sending:
    results: list[NotifyResult]
    sent: int
    acked: int
    extra: dict[str, Any] = field(default_factory=dict)
    # False when an ETR not reported as acked may still be notified (the MS
    # retransmits on after its RPC timed out), so waiting may still pay off.
    final: bool = True


def run_reregister(
    inventory: EidInventory, options: RunOptions, routers: Routers
) -> dict[str, Any]:
    """The module result (``failed``/``msg`` included when the run failed)."""
    if options.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    ms_name = default_map_server(inventory, options.map_server)
    selected = select_sites(inventory, ms_name, options.sites)
    table = routers.read_table() if options.only_missing else None
    plan = make_plan(selected, table, options.only_missing)
    base: dict[str, Any] = {
        "method": options.method,
        "map_server": ms_name,
        "targeted_sites": plan.target_names,
    }
    if options.check_mode or not plan.targets:
        return _without_sending(base, plan, table)
    before = None if table is None else registered_count(plan.selected, table)
    return asyncio.run(_send_and_watch(base, plan, options, routers, before))


def _without_sending(
    base: dict[str, Any], plan: Plan, table: RegisteredTable | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        **base,
        "changed": bool(plan.targets),  # check mode: what a real run would change
        "sites": plan.as_check_mode_sites(),
        "sent": 0,
        "acked": 0,
        "failed_sites": [],
        "unreachable_etrs": [],
        "elapsed": None,
        "progress": [],
        "would_send": sum(len(t.site.etrs) for t in plan.targets),
    }
    if table is not None:
        result.update(completeness(plan.selected, table).as_result())
    else:
        result.update({"complete": None, "expected": None, "registered": None, "missing": []})
    return result


async def _send_and_watch(
    base: dict[str, Any], plan: Plan, options: RunOptions, routers: Routers, before: int | None
) -> dict[str, Any]:
    first_sent = asyncio.Event()
    stop = asyncio.Event()
    target_sites = [t.site for t in plan.targets]
    sending = asyncio.ensure_future(_send(options, routers, target_sites, first_sent, stop))
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
    if options.wait:
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
    return _report(base, plan, options, outcome, state, watch)


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


async def _send(
    options: RunOptions,
    routers: Routers,
    sites: Sequence[Site],
    first_sent: asyncio.Event,
    stop: asyncio.Event,
) -> Sending:
    if options.method == "lisp":
        run = await notify_from_controller(
            targets_for_sites(sites), options.notify, stop=stop, first_sent=first_sent
        )
        acked = sum(1 for r in run.results if r.acked)
        return Sending(run.results, run.sent, acked, {"sources": run.sources})
    if options.method == "netconf":
        if options.etr_credentials is None:
            raise ValueError("method netconf needs etr_username and etr_password")
        rpc_run = await reregister_over_netconf(
            sites,
            options.etr_credentials,
            routers.etr_reregister,
            workers=options.etr_workers,
            connect=routers.etr_connect,
            first_sent=first_sent,
        )
        acked = sum(1 for r in rpc_run.results if r.acked)
        return Sending(rpc_run.results, rpc_run.sent, acked)
    return await _send_through_ms(options, routers, sites, first_sent)


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
        sites.append({"site": name, "etrs": etrs, "recovered": name not in unrecovered})
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
