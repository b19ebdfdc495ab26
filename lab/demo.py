"""`make demo`: the story on the virtual lab, end to end.

Start a lab of 20 sites (ETRs register every 60 s), show the Map-Server's table
read over NETCONF, reboot the MS, show the empty table, run the recovery, show
the table whole again and how long it took, stop the lab.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import call
from ansible_collections.lispnet.ms_recovery.lab.processes import start_lab, stop_lab, wait_ms_back
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
)

REPO = Path(__file__).resolve().parent.parent


def read_table(spec: LabSpec, lab_dir: Path) -> MsSnapshot:
    """An independent NETCONF read of the active unit, host key verified."""
    status = call(paths.control_socket(lab_dir, "ms"), "status")
    active = next(i for i, u in enumerate(status["units"]) if u["role"] == "active")
    with NcclientSession.connect(
        host=str(spec.unit_address(active)),
        port=spec.netconf_port,
        username=spec.username,
        password=spec.password,
        ssh_config=str(paths.ssh_config(lab_dir)),
    ) as session:
        return parse_ms(session.get(filters.ms_full_filter()))


def show(title: str, snapshot: MsSnapshot, configured: int, rows: int = 12) -> None:
    unit = snapshot.unit
    print(f"\n== {title}")
    if unit is not None:
        print(
            f"   {unit.unit_name} ({unit.ha_role}), booted {unit.boot_time:%H:%M:%S}, "
            f"reboots {unit.reboot_count}"
        )
    registered = {r.eid for r in snapshot.registrations}
    print(f"   registered EIDs: {len(registered)}/{configured}")
    if not snapshot.registrations:
        print("   (the registration table is empty)")
        return
    print(f"   {'site':12} {'EID':28} {'RLOC':16} {'from':16} proxy")
    for record in sorted(snapshot.registrations, key=lambda r: (r.site, str(r.eid)))[:rows]:
        rlocs = ",".join(str(r.address) for r in record.rlocs)
        print(
            f"   {record.site:12} {record.eid!s:28} {rlocs:16} {record.source!s:16} "
            f"{'yes' if record.proxy_reply else 'no'}"
        )
    if len(snapshot.registrations) > rows:
        print(f"   ... {len(snapshot.registrations) - rows} more")


def run_recovery(lab_dir: Path) -> int:
    """The recovery playbook, as a user runs it."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    command = [
        str(bin_dir / "ansible-playbook"),
        str(REPO / "playbooks" / "recover.yml"),
        "-i",
        str(paths.ansible_inventory(lab_dir)),
        "-e",
        f"report_dir={lab_dir / 'report'}",
    ]
    print("\n$ " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, check=False, timeout=600).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo")
    parser.add_argument("--dir", type=Path, default=REPO / ".lab")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--register-interval", type=float, default=60.0)
    parser.add_argument("--down-for", type=float, default=3.0)
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    args = parser.parse_args(argv)
    lab_dir = args.dir.resolve()
    # The demo shows the notify methods, so its ETRs act on notifications.
    spec = LabSpec(
        sites=args.sites, register_interval=args.register_interval, etr_behaviour="notify"
    )
    configured = spec.sites * spec.eids_per_site
    print(
        f"Starting a lab of {spec.sites} sites (ETRs register every {spec.register_interval:g} s)"
    )
    start_lab(spec, lab_dir, progress=lambda m: print("  " + m, flush=True))
    try:
        show("Map-Server table, healthy", read_table(spec, lab_dir), configured)
        print("\n== The recovery playbook on a healthy Map-Server: nothing to do, nothing sent")
        run_recovery(lab_dir)
        print(f"\n== Rebooting the active Map-Server (down for {args.down_for:g} s)")
        call(paths.control_socket(lab_dir, "ms"), "reboot", down_for=args.down_for)
        wait_ms_back(lab_dir, timeout=args.down_for + 30)
        back = time.monotonic()
        show("Map-Server table, just after the reboot", read_table(spec, lab_dir), configured)
        rc = run_recovery(lab_dir)
        after = read_table(spec, lab_dir)
        show("Map-Server table, after the recovery run", after, configured)
        registered = len({r.eid for r in after.registrations})
        print(
            f"\n{registered}/{configured} EIDs registered {time.monotonic() - back:.1f} s after "
            f"the MS came back (the playbook's report has the time to full recovery)."
        )
        report_dir = lab_dir / "report"
        if (report_dir / "report.json").exists():
            print(json.loads((report_dir / "report.json").read_text())["headline"])
            for kind, name in (("HTML", "report.html"), ("JSON", "report.json")):
                print(f"  {kind + ' report:':13}{report_dir / name}")
            print(f"  {'JUnit:':13}{report_dir / 'report.junit.xml'}")
        return 0 if rc == 0 and registered == configured else 1
    finally:
        if not args.keep:
            stopped = stop_lab(lab_dir)
            print(f"\nlab down ({stopped} processes stopped)")


if __name__ == "__main__":
    sys.exit(main())
