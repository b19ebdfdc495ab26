"""The controller side of one tool measurement, run as its own process.

``python -m lispbench.tool_run --dir LAB --method ms --after T`` waits for the
rebooted Map-Server's NETCONF, detects the reboot (a unit whose boot time is
after ``T``), runs the same engine the ``reregister`` module runs, then times
the verification the ``registrations`` module does (the NETCONF read of the
whole table plus ``check_registrations``). It prints one JSON object; all
instants are wall-clock (``time.time()``) so the parent can line them up with
the lab's own clock.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    inventory_from_handover,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.controller_notify import (  # noqa: E501
    NotifySettings,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.etr_rpc import (
    EtrCredentials,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_run import (
    BridgeSettings,
    Routers,
    RunOptions,
    run_reregister,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.registration_check import (
    check_registrations,
)

POLL_S = 0.02


def _wait_port(host: str, port: int, deadline: float) -> None:
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            if time.time() > deadline:
                raise TimeoutError(f"NETCONF {host}:{port} not back in time") from None
            time.sleep(POLL_S)


def _connect(spec: LabSpec, lab_dir: Path, unit: int, deadline: float) -> NcclientSession:
    host = str(spec.unit_address(unit))
    while True:
        _wait_port(host, spec.netconf_port, deadline)
        try:
            return NcclientSession.connect(
                host=host,
                port=spec.netconf_port,
                username=spec.username,
                password=spec.password,
                ssh_config=str(paths.ssh_config(lab_dir)),
                timeout=60,
            )
        except NetconfFailure:
            if time.time() > deadline:
                raise
            time.sleep(POLL_S)


def _registered_count(platform: Any, session: NcclientSession) -> int | None:
    summary = platform.read_ms_unit_summary(session)[1]
    return None if summary is None else summary.registered_eids


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss would carry the bench
    process's over fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(
    lab_dir: Path, handover: Path, method: str, after: float, timeout: float, pace: float
) -> dict[str, Any]:
    spec = LabSpec.load(lab_dir)
    out: dict[str, Any] = {"method": method, "started": time.time()}
    # What the reregister module gets from its action plugin (which validated
    # the YAML once, or took it from its cache): the handover, rebuilt here.
    inventory = inventory_from_handover(handover.read_text(), str(handover))
    out["inventory_loaded"] = time.time()
    platform = get_platform("ietf")
    deadline = time.time() + timeout
    # The active unit is the one the lab rebooted; try both, as ms_state would.
    session = None
    while session is None:
        for unit in (0, 1):
            candidate = _connect(spec, lab_dir, unit, deadline)
            info = platform.read_ms_unit(candidate).unit
            rebooted = info is not None and info.boot_time.timestamp() >= after
            if info is not None and info.ha_role == "active" and rebooted:
                session = candidate
                out["detected"] = time.time()
                out["boot_time"] = info.boot_time.timestamp()
                break
            candidate.close()
        else:
            if time.time() > deadline:
                raise TimeoutError("no rebooted active unit found")
            time.sleep(POLL_S)
    credentials = EtrCredentials(
        username=spec.username,
        password=spec.password,
        ssh_config=str(paths.ssh_config(lab_dir)),
    )
    options = RunOptions(
        method=method,
        timeout=max(1.0, deadline - time.time()),
        fail_on_incomplete=False,
        notify=NotifySettings(pace=pace),
        etr_credentials=credentials,
        # register: wait one register interval (and a little) for every site's
        # own ETR registration, withdrawing each bridge as its ETR takes over.
        bridge=BridgeSettings(handback_timeout=spec.register_interval + 5.0, withdraw=True),
    )
    reads: list[tuple[float, int]] = []  # (instant a table read returned, EIDs in it)

    def read_table() -> dict[Any, Any]:
        table = registered_table(platform.read_registered(session, inventory.eid_owner()))
        reads.append((time.time(), len(table)))
        return table

    routers = Routers(
        read_table=read_table,
        ms_reregister=lambda sites, wait, t: platform.send_reregistration(session, sites, wait, t),
        etr_reregister=platform.etr_reregister_now,
        read_count=lambda: _registered_count(platform, session),
        read_briefs=lambda: platform.read_registered(session, inventory.eid_owner()),
    )
    out["before_run"] = time.time()
    result = run_reregister(inventory, options, routers)
    out["run_returned"] = time.time()
    for key in ("complete", "expected", "registered", "sent", "acked", "elapsed"):
        out[key] = result.get(key)
    out["table_reads"] = len(reads)
    out.update(_bridge_times(result))
    elapsed = result.get("elapsed")
    if elapsed is not None:
        # The watch's clock starts at the first notification and stops at the
        # first read that saw the table whole: both instants, absolute.
        seen = next((t for t, n in reads if n >= (result.get("expected") or 0)), None)
        if seen is not None:
            out["tool_saw_whole"] = seen
            out["first_notification"] = seen - float(elapsed)
    # Verification: what the registrations module does after the recovery.
    t0 = time.perf_counter()
    data = platform.read_registered(session, inventory.expected("ms1"))
    t1 = time.perf_counter()
    report = check_registrations(data, inventory, "ms1", now=datetime.now(UTC))
    t2 = time.perf_counter()
    out["verify"] = {
        "records": len(data),
        "netconf_read_and_parse_s": t1 - t0,
        "check_s": t2 - t1,
        "total_s": t2 - t0,
        "registered": report.as_result().get("counts", {}),
    }
    session.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["self_cpu_s"] = usage.ru_utime + usage.ru_stime
    out["self_peak_rss_mb"] = peak_rss_mb()
    return out


def _bridge_times(result: dict[str, Any]) -> dict[str, Any]:
    """register: how fast every site was bridged, and confirmed by its own ETR."""

    def stamps(key: str) -> list[float]:
        sites = result.get("sites", [])
        return [datetime.fromisoformat(s[key]).timestamp() for s in sites if s.get(key)]

    bridged, confirmed = stamps("bridged"), stamps("etr_confirmed")
    if not bridged:
        return {}
    return {
        "bridged_sites": len(bridged),
        "bridged_spread_s": max(bridged) - min(bridged),
        "etr_confirmed_sites": len(confirmed),
        "etr_confirmed_within_s": (max(confirmed) - min(bridged)) if confirmed else None,
        "bridges_withdrawn": sum(1 for s in result.get("sites", []) if s.get("bridge_withdrawn")),
        "bridge_retransmissions": sum(
            e.get("retries") or 0
            for s in result.get("sites", [])
            if s.get("bridged")
            for e in s.get("etrs", [])
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lispbench-tool")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--handover", type=Path, required=True, help="the module's inventory")
    parser.add_argument("--method", choices=["ms", "lisp", "netconf", "register"], required=True)
    parser.add_argument("--after", type=float, required=True, help="reboot instant (time.time)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--pace", type=float, default=5000.0, help="lisp: notifications/s")
    args = parser.parse_args(argv)
    try:
        out = measure(args.dir, args.handover, args.method, args.after, args.timeout, args.pace)
    except (TimeoutError, NetconfFailure, OSError) as exc:
        out = {"method": args.method, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out))
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    sys.exit(main())
