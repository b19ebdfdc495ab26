"""`lisplab`: start, poke and stop the virtual LISP lab.

lisplab up --sites N [--etrs-per-site K] [--eids-per-site E] [--register-interval S]
           [--etr-behaviour standard|notify] [--notify-share P] [--map-servers N]
           [--register-to 1|2]
           [--platform lispnet|ietf|iosxe]
           [--subnet X|auto] [--loss P] [--duplicate P] [--delay MS] [--fault-seed N]
lisplab status [--json]
lisplab reboot-ms [--ms NAME ...] [--down-for S] [--wait]
lisplab switchover [--ms NAME]
lisplab stop-etr NAME / start-etr NAME
lisplab down

``--dir DIR`` (default: .lab in the repository) goes before or after the subcommand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import ControlError, call
from ansible_collections.lispnet.ms_recovery.lab.faces import face_of
from ansible_collections.lispnet.ms_recovery.lab.processes import (
    LabError,
    lab_is_running,
    ms_processes,
    start_lab,
    stop_lab,
    wait_ms_back,
)
from ansible_collections.lispnet.ms_recovery.lab.topology import (
    ETR_BEHAVIOURS,
    LAB_PLATFORMS,
    LabSpec,
    free_subnet,
)

DEFAULT_DIR = Path(__file__).resolve().parent.parent / ".lab"


def _up(args: argparse.Namespace) -> int:
    spec = LabSpec(
        sites=args.sites,
        etrs_per_site=args.etrs_per_site,
        eids_per_site=args.eids_per_site,
        register_interval=args.register_interval,
        subnet=free_subnet() if args.subnet == "auto" else int(args.subnet),
        netconf_port=args.netconf_port,
        auto_recover=args.auto_recover,
        shard_size=args.shard_size,
        loss=args.loss,
        duplicate=args.duplicate,
        delay_ms=args.delay,
        fault_seed=args.fault_seed,
        etr_behaviour=args.etr_behaviour,
        notify_share=args.notify_share,
        map_servers=args.map_servers,
        register_to=args.register_to,
        platform=args.platform,
    )
    face_of(spec.platform)  # a platform the lab cannot serve yet fails before anything starts
    summary = start_lab(spec, args.dir, wait_registered_eids=not args.no_wait, progress=_progress)
    print(
        f"lab up in {args.dir} on 127.{spec.subnet}.0.0/16: {spec.sites} sites, "
        f"{spec.etrs_total} ETRs, "
        f"{spec.sites * spec.eids_per_site} EIDs; "
        f"{summary['registered_eids']} registered after {summary['seconds']:.1f} s"
        + (f" (over {spec.register_to} Map-Servers each)" if spec.register_to > 1 else "")
    )
    notify_sites = sum(1 for site in range(spec.sites) if spec.site_behaviour(site) == "notify")
    print(
        f"  ETR behaviour:     {spec.etr_behaviour}; sites with notify ETRs: "
        f"{notify_sites}/{spec.sites}"
    )
    if spec.map_servers > 1:
        where = (
            "ms<1 + s mod N>"
            if spec.register_to == 1
            else f"ms<1 + (s + k) mod N> for k < {spec.register_to}"
        )
        print(f"  Map-Servers:       {spec.map_servers} pairs, site s on {where}")
    print(f"  Platform:          {spec.platform} ({face_of(spec.platform).network_os})")
    print(f"  Ansible inventory: {paths.ansible_inventory(args.dir)}")
    print(f"  ETRs as hosts:     {paths.etr_inventory(args.dir)}")
    print(f"  EID inventory:     {paths.eid_inventory(args.dir)}")
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _status(args: argparse.Namespace) -> int:
    status = lab_status(args.dir)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    for ms in status["map_servers"]:
        print(f"map-server {ms['map_server']} service address {ms['service_address']}")
        for unit in ms["units"]:
            state = "up" if unit["up"] else "DOWN"
            print(
                f"  {unit['name']:8} {unit['role']:8} {state:5} netconf {unit['netconf']:20} "
                f"registered {unit['registered_eids']}/{ms['configured_eids']} "
                f"boot {unit['boot_time']}"
            )
    etrs = status["etrs"]
    running = sum(1 for e in etrs.values() if e["running"])
    print(f"etrs: {running}/{len(etrs)} running")
    if status["faults"]:
        injected = ", ".join(f"{k} {v}" for k, v in sorted(status["faults"].items()))
        print(f"injected network faults: {injected}")
    for name, etr in etrs.items():
        if not etr["running"]:
            print(f"  stopped: {name} ({etr['rloc']})")
    return 0


def lab_status(lab_dir: Path) -> dict[str, Any]:
    """``map_server``: the first Map-Server; ``map_servers``: every one."""
    servers = [call(paths.control_socket(lab_dir, p), "status") for p in ms_processes(lab_dir)]
    etrs: dict[str, Any] = {}
    faults: Counter[str] = Counter()
    for ms in servers:
        faults.update(ms.get("faults", {}))
        ms.pop("ok", None)
    for sock in sorted((lab_dir / "run").glob("etrs-*.sock")):
        reply = call(sock, "status")
        etrs.update(reply["etrs"])
        faults.update(reply.get("faults", {}))
    return {"map_server": servers[0], "map_servers": servers, "etrs": etrs, "faults": dict(faults)}


def _ms_process(lab_dir: Path, name: str | None) -> str:
    """The control process of the Map-Server named ``name`` (default: the first)."""
    spec = LabSpec.load(lab_dir)
    names = [spec.ms_name(ms) for ms in range(spec.map_servers)]
    if name is None:
        return spec.ms_process(0)
    if name not in names:
        raise ValueError(f"no Map-Server named {name!r} in this lab; it has {', '.join(names)}")
    return spec.ms_process(names.index(name))


def _reboot(args: argparse.Namespace) -> int:
    # Every named Map-Server goes down first, then all are waited for: one
    # command reboots several at the same instant.
    processes = [_ms_process(args.dir, name) for name in (args.ms or [None])]
    for process in processes:
        reply = call(paths.control_socket(args.dir, process), "reboot", down_for=args.down_for)
        print(f"{reply['unit']} rebooting; back in {args.down_for:g} s")
    if args.wait:
        for process in processes:
            wait_ms_back(args.dir, timeout=args.down_for + 30, process=process)
        print("back: " + ", ".join(processes))
    return 0


def _switchover(args: argparse.Namespace) -> int:
    process = _ms_process(args.dir, args.ms)
    reply = call(paths.control_socket(args.dir, process), "switchover")
    print(f"switchover: {reply['previous']} -> {reply['active']} is active")
    return 0


def _etr_command(args: argparse.Namespace) -> int:
    command = "stop_etr" if args.command == "stop-etr" else "start_etr"
    for sock in sorted((args.dir / "run").glob("etrs-*.sock")):
        try:
            reply = call(sock, command, name=args.name)
        except ControlError as exc:
            if "no ETR named" in str(exc):
                continue
            raise
        print(f"{reply['etr']}: {'running' if reply['running'] else 'stopped'}")
        return 0
    print(f"lisplab: no ETR named {args.name!r} in the lab at {args.dir}", file=sys.stderr)
    return 2


def _down(args: argparse.Namespace) -> int:
    stopped = stop_lab(args.dir)
    print(f"lab down: stopped {stopped} process(es)")
    return 0


def _subnet(text: str) -> str:
    if text != "auto" and not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number 1..254 or 'auto', got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    # --dir is accepted before the subcommand and after it: the subcommands' copy
    # has no default, so it only overrides the top-level one when given.
    dir_help = "lab directory (default: .lab in the repository)"
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--dir", type=Path, default=argparse.SUPPRESS, help=dir_help)
    parser = argparse.ArgumentParser(
        prog="lisplab", description=__doc__.split("\n\n", maxsplit=1)[0]
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=dir_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=summary, parents=[after])

    up = command("up", "start the lab in the background")
    up.add_argument("--sites", type=int, default=20, help="number of sites (default 20)")
    up.add_argument(
        "--etrs-per-site", type=int, default=1, help="ETRs registering each site (default 1)"
    )
    up.add_argument(
        "--eids-per-site",
        type=int,
        default=2,
        help="EID prefixes per site, the second one IPv6 (default 2)",
    )
    up.add_argument(
        "--register-interval",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds between an ETR's periodic Map-Registers (default 60, as real ETRs)",
    )
    up.add_argument(
        "--subnet",
        type=_subnet,
        default="100",
        metavar="X|auto",
        help="the lab uses 127.X.0.0/16 (default 100); 'auto' picks one no lab is using",
    )
    up.add_argument(
        "--netconf-port", type=int, default=8830, help="every router's NETCONF port (default 8830)"
    )
    up.add_argument(
        "--shard-size", type=int, default=2000, help="ETRs per lab process (default 2000)"
    )
    up.add_argument(
        "--auto-recover",
        action="store_true",
        help="the MS notifies ETRs by itself when it comes back (off by default)",
    )
    up.add_argument(
        "--etr-behaviour",
        choices=ETR_BEHAVIOURS,
        default="standard",
        help="standard: ETRs ignore unsolicited Map-Notify and register on their own timer,"
        " like real ones; notify: they re-register at once when notified (the patent's ETR)",
    )
    up.add_argument(
        "--notify-share",
        type=float,
        default=0.0,
        metavar="P",
        help="with standard ETRs, the share 0..1 of sites whose ETRs are notify ETRs (a mix)",
    )
    up.add_argument(
        "--map-servers",
        type=int,
        default=1,
        metavar="N",
        help="independent Map-Server pairs, each with its own service address and NETCONF"
        " units (ms1, ms2, ...); site s registers to ms<1 + s mod N> (default 1)",
    )
    up.add_argument(
        "--register-to",
        type=int,
        default=1,
        metavar="R",
        help="Map-Servers each site's ETRs register to, each on its own (the redundant"
        " design): site s also registers to the next R - 1 after ms<1 + s mod N>, so it"
        " appears in the EID inventory under all of them (map_servers); 1..N (default 1)",
    )
    up.add_argument(
        "--platform",
        choices=LAB_PLATFORMS,
        default="lispnet",
        help="what the routers speak over NETCONF: lispnet = the IETF LISP modules with the"
        " project's lispnet-ms-recovery augment and RPCs; ietf = a standard server (the IETF"
        " LISP modules and ietf-system only); iosxe = Cisco IOS-XE's models",
    )
    up.add_argument("--no-wait", action="store_true", help="return before every EID is registered")
    faults = up.add_argument_group("network faults (every router's LISP send path)")
    faults.add_argument("--loss", type=float, default=0.0, help="drop probability, 0 <= P < 1")
    faults.add_argument(
        "--duplicate", type=float, default=0.0, help="probability of sending a datagram twice"
    )
    faults.add_argument("--delay", type=float, default=0.0, metavar="MS", help="added delay")
    faults.add_argument(
        "--fault-seed", type=int, default=None, help="seed, for the same faults every run"
    )
    up.set_defaults(func=_up)

    status = command("status", "show the lab's routers")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(func=_status)

    reboot = command("reboot-ms", "reboot the active Map-Server unit")
    reboot.add_argument(
        "--down-for", type=float, default=5.0, metavar="S", help="seconds it stays down"
    )
    reboot.add_argument("--wait", action="store_true", help="return when it is back")
    reboot.add_argument(
        "--ms",
        action="append",
        metavar="NAME",
        help="the Map-Server whose active unit reboots (default: the first); repeat it"
        " to reboot several at once",
    )
    reboot.set_defaults(func=_reboot)

    switchover = command("switchover", "make the standby unit active")
    switchover.add_argument("--ms", metavar="NAME", help="which Map-Server (default: the first)")
    switchover.set_defaults(func=_switchover)
    for name in ("stop-etr", "start-etr"):
        cmd = command(name, f"{name.split('-', maxsplit=1)[0]} one ETR")
        cmd.add_argument("name", help="the ETR's name, e.g. site-00003-etr1")
        cmd.set_defaults(func=_etr_command)

    command("down", "stop everything the lab started").set_defaults(func=_down)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.dir = args.dir.resolve()
    if args.command != "up" and args.command != "down" and not lab_is_running(args.dir):
        print(
            f"lisplab: no lab is running in {args.dir} (start one with `lisplab up`)",
            file=sys.stderr,
        )
        return 2
    try:
        return int(args.func(args))
    except (LabError, ControlError, ValueError) as exc:
        print(f"lisplab: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
