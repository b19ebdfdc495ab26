"""Time the verification the ``registrations`` module does, on a running lab.

``python -m lispbench.verify_read --dir LAB [--repeat N]`` connects to the
lab's active Map-Server unit and, ``--repeat`` times, reads the brief table
(``read_registered``, the one NETCONF <get> of every registration, streamed
parse included) and checks it against the lab's EID inventory
(``check_registrations``). It prints one JSON object: per run the seconds of
the read and of the check, the registrations read, and the process's CPU and
peak RSS. The table is not changed: run it on a lab whose table is whole
(``lisplab up`` waits for that), for example
``lisplab up --sites 10000 --eids-per-site 5 --subnet auto``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.registration_check import (
    check_registrations,
)


def _active_session(spec: LabSpec, lab_dir: Path) -> NcclientSession:
    platform = get_platform("ietf")
    for unit in (0, 1):
        session = NcclientSession.connect(
            host=str(spec.unit_address(unit)),
            port=spec.netconf_port,
            username=spec.username,
            password=spec.password,
            ssh_config=str(paths.ssh_config(lab_dir)),
            timeout=120,
        )
        info = platform.read_ms_unit(session).unit
        if info is not None and info.ha_role == "active":
            return session
        session.close()
    raise RuntimeError(f"no active Map-Server unit in the lab at {lab_dir}")


def measure(lab_dir: Path, repeat: int) -> dict[str, Any]:
    spec = LabSpec.load(lab_dir)
    inventory = load_inventory(paths.eid_inventory(lab_dir))
    ms_name = spec.ms_name(0)
    expected = inventory.expected(ms_name)
    platform = get_platform("ietf")
    session = _active_session(spec, lab_dir)
    runs: list[dict[str, Any]] = []
    try:
        for _unused in range(repeat):
            t0 = time.perf_counter()
            table = platform.read_registered(session, expected)
            t1 = time.perf_counter()
            report = check_registrations(table, inventory, ms_name, now=datetime.now(UTC))
            t2 = time.perf_counter()
            runs.append(
                {
                    "records": len(table),
                    "complete": report.complete,
                    "read_s": round(t1 - t0, 3),
                    "check_s": round(t2 - t1, 3),
                    "total_s": round(t2 - t0, 3),
                }
            )
            del table, report
    finally:
        session.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sites": spec.sites,
        "eids": len(expected),
        "runs": runs,
        "median_total_s": statistics.median(r["total_s"] for r in runs),
        "min_total_s": min(r["total_s"] for r in runs),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="the lab's directory")
    parser.add_argument("--repeat", type=int, default=5, help="reads to time (default 5)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    json.dump(measure(args.dir, args.repeat), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
