"""`make bench`: recovery time and scale, tool vs passive re-registration.

    python bench/run.py [--sizes 100 1000 10000] [--methods ms lisp netconf]

For each size, one lab (one ETR and up to --eids-per-site EIDs per site) is
started, its active Map-Server rebooted before each measurement (passive
refill, each reregister method, the recovery playbook), and stopped by PID at
the end, also on failure or Ctrl-C. Writes bench/results.json and prints the
table. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lispbench import phases, procstats, report
from lispbench.detection import detection
from lispbench.inventory_load import inventory_load
from lispbench.labctl import BenchLab
from lispbench.machine import machine
from lispbench.many import many_map_servers
from lispbench.rulebook import rulebook

from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec, free_subnet
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)

HERE = Path(__file__).resolve().parent
METHODS = ("ms", "lisp", "netconf", "register")


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _eids_per_site(sites: int, requested: int) -> int:
    # The lab's address plan holds 65,536 EIDs.
    return max(1, min(requested, 65536 // sites))


def etr_behaviour(methods: list[str]) -> str:
    """Standard ETRs (what real networks have) unless a method measured needs
    ETRs that act on notifications (ms, lisp, netconf). The two kinds differ
    only there: nothing sends an ETR an unsolicited Map-Notify during passive
    refill or the register method, so on a notify lab those phases measure
    exactly what standard ETRs do (their own timer, random phase, retries)."""
    return "notify" if set(methods) & {"ms", "lisp", "netconf"} else "standard"


def bench_size(sites: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    eids = _eids_per_site(sites, args.eids_per_site)
    spec = LabSpec(
        sites=sites,
        eids_per_site=eids,
        register_interval=args.register_interval,
        subnet=free_subnet(),
        etr_behaviour=etr_behaviour(args.methods),
    )
    lab = BenchLab(work / f"lab-{sites}", spec)
    size: dict[str, Any] = {
        "sites": sites,
        "eids": sites * eids,
        "etrs": spec.etrs_total,
        "etr_behaviour": spec.etr_behaviour,
    }
    _log(f"{sites} sites: starting the lab on 127.{spec.subnet}.0.0/16")
    try:
        lab.start()
        size["lab"] = {"up_s": round(lab.up_seconds, 1), "pids": lab.pids()}
        inventory = load_inventory(lab.dir / "eids.yml")
        _log(f"{sites} sites: EID inventory load, validated and from the cache")
        size["inventory_load"] = inventory_load(lab.dir / "eids.yml")
        settings = phases.Settings(
            down_for=args.down_for,
            tool_timeout=args.tool_timeout,
            playbook_timeout=args.playbook_timeout,
            probe_sample=args.probe_sample,
            register_interval=args.register_interval,
            pace=args.pace,
        )
        phase = phases.Phase(lab, inventory, settings)
        if not args.skip_passive:
            _log(f"{sites} sites: passive refill (bounded by {args.register_interval * 1.5:g} s)")
            active = next(i for i, u in enumerate(lab.status()["units"]) if u["role"] == "active")
            size["passive"] = phases.passive(phase, active)
        size["tool"] = {}
        for method in args.methods:
            _log(f"{sites} sites: reregister method {method}")
            size["tool"][method] = phases.tool(phase, method)
        if sites == min(args.sizes):
            _log(f"{sites} sites: detection latency of the EDA event source")
            size["detection"] = detection(lab, args.down_for)
        if not args.skip_playbook and sites in args.playbook_sizes:
            _log(f"{sites} sites: ansible-playbook playbooks/recover.yml")
            size["playbook"] = phases.playbook(phase, work / f"report-{sites}")
        if args.rulebook:
            _log(f"{sites} sites: the shipped rulebook (ansible-rulebook) on a reboot")
            size["rulebook"] = rulebook(phase, work / f"rulebook-{sites}")
        size["lab"]["processes"] = {
            name: {"peak_rss_mb": round(s.peak_rss_mb, 1), "cpu_s": round(s.cpu_s, 1)}
            for name, s in procstats.snapshot(lab.pids()).items()
        }
    finally:
        stopped = lab.stop()
        _log(f"{sites} sites: lab stopped ({stopped} processes)")
    size["ratios_passive_over_tool"] = report.ratios(size)
    size["ratios_passive_over_tool_from_first_notification"] = report.ratios(
        size, "whole_after_first_notification_s"
    )
    return size


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--eids-per-site", type=int, default=5)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--register-interval", type=float, default=60.0)
    parser.add_argument("--down-for", type=float, default=2.0, help="reboot duration, s")
    parser.add_argument("--tool-timeout", type=float, default=60.0)
    parser.add_argument("--playbook-timeout", type=float, default=300.0)
    parser.add_argument("--playbook-sizes", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--pace", type=float, default=5000.0, help="lisp method: notifies/s")
    parser.add_argument("--probe-sample", type=int, default=20, help="EIDs probed")
    parser.add_argument(
        "--many",
        type=int,
        nargs=2,
        metavar=("N", "SITES"),
        default=None,
        help="also N Map-Servers x SITES sites each, two rebooted at once (e.g. 10 1000)",
    )
    parser.add_argument(
        "--many-register-to",
        "--register-to",
        dest="many_register_to",
        type=int,
        choices=(1, 2),
        default=1,
        metavar="R",
        help="--many: Map-Servers each site's ETRs register to (2: the redundant design,"
        " N x SITES / 2 sites so that each Map-Server still holds SITES; default 1)",
    )
    parser.add_argument(
        "--rulebook", action="store_true", help="also the shipped rulebook end to end"
    )
    parser.add_argument("--skip-passive", action="store_true")
    parser.add_argument("--skip-playbook", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=None, help="labs live here")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--table", type=Path, help="only print the table of this results.json")
    args = parser.parse_args(argv)
    if args.table:
        results = json.loads(args.table.read_text())
        results["targets"] = report.targets(results["sizes"], results.get("many"))
        print(report.table(results))
        return 0
    signal.signal(signal.SIGTERM, _interrupt)
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="lispbench-", dir=args.work_dir) as tmp:
        for sites in args.sizes:
            results["sizes"].append(bench_size(sites, args, Path(tmp)))
            results["targets"] = report.targets(results["sizes"], results.get("many"))
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
        if args.many:
            count, per_ms = args.many
            results["many"] = many_map_servers(
                count,
                per_ms,
                _eids_per_site(count * per_ms, args.eids_per_site),
                Path(tmp),
                down_for=args.down_for,
                register_interval=args.register_interval,
                playbook_timeout=args.playbook_timeout,
                log=_log,
                register_to=args.many_register_to,
            )
            results["targets"] = report.targets(results["sizes"], results["many"])
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
