"""Many Map-Servers: N independent pairs, S sites on each, two of them
rebooted at the same instant, and one `recover.yml` over every unit (forks:
one per unit), started at the reboot. With ``register_to`` 2 every site's
ETRs register to two Map-Servers (the redundant design): the lab then has
N x S / 2 sites, so that each Map-Server still holds S. Each rebooted Map-Server's own count
(its lab process, every 25 ms) says when it is back and when it is whole."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import call
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec, free_subnet

from .labctl import BenchLab, TableWatch
from .phases import REPO, _bench_env, _r, _since
from .subproc import run_measured


def many_map_servers(
    map_servers: int,
    sites_per_ms: int,
    eids_per_site: int,
    work: Path,
    *,
    down_for: float,
    register_interval: float,
    playbook_timeout: float,
    log: Any,
    register_to: int = 1,
) -> dict[str, Any]:
    spec = LabSpec(
        sites=map_servers * sites_per_ms // register_to,
        eids_per_site=eids_per_site,
        register_interval=register_interval,
        subnet=free_subnet(),
        etr_behaviour="notify",
        map_servers=map_servers,
        register_to=register_to,
    )
    lab = BenchLab(work / "lab-many", spec)
    rebooted = sorted({0, map_servers // 2})
    out: dict[str, Any] = {
        "map_servers": map_servers,
        "sites_per_ms": sites_per_ms,
        "register_to": register_to,
        "eids": spec.sites * eids_per_site,
        "rebooted": [spec.ms_name(ms) for ms in rebooted],
    }
    log(f"{map_servers} Map-Servers x {sites_per_ms} sites: starting the lab")
    try:
        lab.start()
        out["lab_up_s"] = round(lab.up_seconds, 1)
        socks = {ms: paths.control_socket(lab.dir, spec.ms_process(ms)) for ms in rebooted}
        expected = {ms: int(call(socks[ms], "status")["configured_eids"]) for ms in rebooted}
        watches = {ms: TableWatch(socks[ms]).start() for ms in rebooted}
        after = time.time()
        for ms in rebooted:
            call(socks[ms], "reboot", down_for=down_for)
        log(f"rebooted {', '.join(out['rebooted'])}; ansible-playbook recover.yml over all units")
        argv = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            str(REPO / "playbooks" / "recover.yml"),
            "-i",
            str(lab.dir / "inventory.yml"),
            "-f",
            str(2 * map_servers),
            "-e",
            f"report_dir={work / 'report-many'}",
        ]
        measured = run_measured(argv, timeout=playbook_timeout, env=_bench_env())
        ended = time.time()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
            w.whole_at(after, expected[ms]) is None for ms, w in watches.items()
        ):
            time.sleep(0.05)
        for watch in watches.values():
            watch.stop()
        per_ms = {}
        for ms, watch in watches.items():
            back = watch.back_at(after)
            per_ms[spec.ms_name(ms)] = {
                "eids": expected[ms],
                "down_s": _since(back, after),
                "whole_after_back_s": _since(watch.whole_at(after, expected[ms]), back),
                "play_ended_after_back_s": _since(ended, back),
            }
        out.update(
            {
                "per_ms": per_ms,
                "returncode": measured.returncode,
                "timed_out": measured.timed_out,
                "controller": {
                    "wall_s": round(measured.wall_s, 2),
                    "cpu_s": _r(measured.cpu_s),
                    "peak_rss_mb": _r(measured.peak_rss_mb),
                },
                "tail": "" if measured.returncode == 0 else measured.stdout[-1500:],
            }
        )
    finally:
        stopped = lab.stop()
        log(f"many Map-Servers: lab stopped ({stopped} processes)")
    return out
