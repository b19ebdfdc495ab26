"""`make demo`: the story on the virtual lab, end to end.

Start a lab of 20 sites whose ETRs behave like real ones (they ignore an
unsolicited Map-Notify and register on their own timer, here every 30 s), except
a quarter of the sites whose ETRs act on notifications (marked so in the EID
inventory). Show the Map-Server's table read over NETCONF, reboot the MS, show
the empty table, run recover.yml with its default method auto: every standard
site is bridged (the controller registers its stored EIDs and RLOCs itself)
within a second, the notify-capable sites get the MS's own notification (the
``ms`` method), then each ETR's own registration confirms its bridge, which is
withdrawn. Show the table and, per site, how and when it came back; stop the lab.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

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


def _after(stamp: str | None, back: float) -> str:
    if not stamp:
        return "-"
    return f"{datetime.fromisoformat(stamp).timestamp() - back:+.2f} s"


def show_sites(sites: list[dict[str, Any]], back: float, rows: int = 20) -> None:
    """Per site: the method that served it and, for a bridge, when the MS
    confirmed it and when the site's own ETR registration took over (seconds
    after the MS came back)."""
    print("\n== How each site came back (seconds after the Map-Server was back)")
    print(f"   {'site':12} {'method':9} {'bridged':>9} {'ETR confirmed':>14}  bridge")
    for site in sites[:rows]:
        withdrawn = "withdrawn" if site.get("bridge_withdrawn") else ""
        print(
            f"   {site['site']:12} {site.get('method') or '-':9}"
            f" {_after(site.get('bridged'), back):>9} {_after(site.get('etr_confirmed'), back):>14}"
            f"  {withdrawn}"
        )
    bridged = [datetime.fromisoformat(s["bridged"]).timestamp() for s in sites if s.get("bridged")]
    if bridged:
        confirmed = sum(1 for s in sites if s.get("bridged") and s.get("etr_confirmed"))
        withdrawn_count = sum(1 for s in sites if s.get("bridge_withdrawn"))
        print(
            f"   {len(bridged)} site(s) bridged, all within {max(bridged) - min(bridged):.3f} s"
            f" of the first bridge ({min(bridged) - back:.1f} s after the MS was back: the"
            f" playbook's start and its checks); {confirmed} since confirmed by their own"
            f" ETR, {withdrawn_count} bridge(s) withdrawn. Sites whose ETR registered on its own"
            " before the playbook read the table were not targeted."
        )


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
        # The lab's Map-Server honours RFC 9301's T bit, so bridges can be
        # withdrawn as the ETRs take over (off by default: unverified elsewhere).
        "-e",
        "ms_recovery_withdraw_bridges=true",
    ]
    print("\n$ " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, check=False, timeout=600).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo")
    parser.add_argument("--dir", type=Path, default=REPO / ".lab")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--register-interval", type=float, default=30.0)
    parser.add_argument("--notify-share", type=float, default=0.25)
    parser.add_argument("--down-for", type=float, default=3.0)
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    args = parser.parse_args(argv)
    lab_dir = args.dir.resolve()
    spec = LabSpec(
        sites=args.sites,
        register_interval=args.register_interval,
        etr_behaviour="standard",
        notify_share=args.notify_share,
    )
    configured = spec.sites * spec.eids_per_site
    notify = sum(1 for site in range(spec.sites) if spec.site_behaviour(site) == "notify")
    print(
        f"Starting a lab of {spec.sites} sites: {spec.sites - notify} with standard ETRs"
        f" (ignore notifications, register every {spec.register_interval:g} s),"
        f" {notify} with ETRs that re-register when notified"
    )
    start_lab(spec, lab_dir, progress=lambda m: print("  " + m, flush=True))
    try:
        show("Map-Server table, healthy", read_table(spec, lab_dir), configured)
        print("\n== The recovery playbook on a healthy Map-Server: nothing to do, nothing sent")
        run_recovery(lab_dir)
        print(f"\n== Rebooting the active Map-Server (down for {args.down_for:g} s)")
        call(paths.control_socket(lab_dir, "ms"), "reboot", down_for=args.down_for)
        wait_ms_back(lab_dir, timeout=args.down_for + 30)
        back, back_wall = time.monotonic(), time.time()
        show("Map-Server table, just after the reboot", read_table(spec, lab_dir), configured)
        rc = run_recovery(lab_dir)
        after = read_table(spec, lab_dir)
        show("Map-Server table, after the recovery run", after, configured)
        registered = len({r.eid for r in after.registrations})
        print(
            f"\n{registered}/{configured} EIDs registered when the play ended,"
            f" {time.monotonic() - back:.1f} s after the MS came back (it waited for the ETRs"
            " to take over from the bridges; when the table was whole: below)."
        )
        report_dir = lab_dir / "report"
        if (report_dir / "report.json").exists():
            report = json.loads((report_dir / "report.json").read_text())
            show_sites(report.get("sites", []), back_wall)
            print(report["headline"])
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
