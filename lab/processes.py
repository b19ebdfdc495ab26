"""Start and stop the lab's background processes, tracked by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import artifacts, paths
from ansible_collections.lispnet.ms_recovery.lab.control import ControlError, call
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)

SHARD_MODULE = "ansible_collections.lispnet.ms_recovery.lab.shard"
Progress = Callable[[str], None]


class LabError(RuntimeError):
    pass


def _quiet(_unused: str) -> None:
    pass


def _read_pids(lab_dir: Path) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in json.loads(paths.pids(lab_dir).read_text()).items()}
    except (FileNotFoundError, ValueError):
        return {}


def _is_ours(pid: int, lab_dir: Path) -> bool:
    """True when ``pid`` is a live lab process of ``lab_dir`` (not a reused PID)."""
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our exited child
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return SHARD_MODULE.encode() in cmdline and str(lab_dir).encode() in cmdline


def lab_is_running(lab_dir: Path) -> bool:
    return any(_is_ours(pid, lab_dir) for pid in _read_pids(lab_dir).values())


def running_lab_dirs() -> set[Path]:
    """The directories of every lab with a live process on this machine (any user's
    checkout, any test's temporary lab): read from the processes' command lines."""
    found: set[Path] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if SHARD_MODULE in argv and "--dir" in argv[:-1]:
            found.add(Path(argv[argv.index("--dir") + 1]))
    return found


def running_lab_subnets() -> set[int]:
    """The 127.X subnets that running labs hold, even where no socket shows it (an MS
    that is down for a reboot has closed its service socket)."""
    held: set[int] = set()
    for lab_dir in running_lab_dirs():
        try:
            held.add(LabSpec.load(lab_dir).subnet)
        except (OSError, ValueError, TypeError, KeyError):
            continue
    return held


def _check_subnet_free(spec: LabSpec, lab_dir: Path) -> None:
    """A clear error, naming the lab in the way, instead of a shard's traceback."""
    for other in sorted(running_lab_dirs() - {lab_dir}):
        try:
            subnet = LabSpec.load(other).subnet
        except (OSError, ValueError, TypeError, KeyError):
            continue
        if subnet == spec.subnet:
            raise LabError(
                f"127.{spec.subnet}.0.0/16 is in use by the lab in {other}: stop it "
                f"(`lisplab down --dir {other}`) or choose another --subnet "
                "(`--subnet auto` picks a free one)"
            )
    probes = [
        (socket.SOCK_DGRAM, str(spec.service_address), LISP_CONTROL_PORT),
        (socket.SOCK_STREAM, str(spec.unit_address(0)), spec.netconf_port),
    ]
    for kind, host, port in probes:
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise LabError(
                    f"{host} port {port} is in use by a process that is not a lab "
                    f"({exc.strerror}): choose another --subnet (`--subnet auto` picks a "
                    "free one) or --netconf-port"
                ) from None


def _spawn(lab_dir: Path, name: str, role_args: list[str]) -> int:
    log = paths.log_file(lab_dir, name)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", SHARD_MODULE, "--dir", str(lab_dir), *role_args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the CLI; stopped by `lisplab down`
        )
    return process.pid


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(lab_dir: Path, pids: dict[str, int], timeout: float, progress: Progress) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(pids)
    while pending:
        for name, pid in list(pending.items()):
            if not _is_ours(pid, lab_dir):
                log = paths.log_file(lab_dir, name)
                raise LabError(
                    f"lab process {name} (pid {pid}) exited: {_tail(log, 1)} (log: {log})"
                )
            try:
                call(paths.control_socket(lab_dir, name), "status", timeout=5)
            except (ControlError, OSError):
                continue
            del pending[name]
            progress(f"  {name} ready")
        if pending and time.monotonic() > deadline:
            raise LabError(f"lab processes not ready after {timeout:.0f} s: {', '.join(pending)}")
        if pending:
            time.sleep(0.1)


def ms_processes(lab_dir: Path) -> list[str]:
    """The lab's Map-Server processes (one per Map-Server pair), "ms" first."""
    spec = LabSpec.load(lab_dir)
    return [spec.ms_process(ms) for ms in range(spec.map_servers)]


def wait_registered(lab_dir: Path, timeout: float, progress: Progress = _quiet) -> dict[str, Any]:
    """Every Map-Server's active unit holds all its configured EIDs; returns
    the first Map-Server's status with the counts summed over all of them."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = [call(paths.control_socket(lab_dir, p), "status") for p in ms_processes(lab_dir)]
        registered = configured = 0
        for status in statuses:
            active = next(u for u in status["units"] if u["role"] == "active")
            registered += active["registered_eids"] if active["up"] else 0
            configured += status["configured_eids"]
        if registered >= configured:
            return {**statuses[0], "registered_eids": registered, "configured_eids": configured}
        if time.monotonic() > deadline:
            raise LabError(f"only {registered}/{configured} EIDs registered after {timeout:.0f} s")
        time.sleep(0.2)


def wait_ms_back(lab_dir: Path, timeout: float, process: str = "ms") -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = call(paths.control_socket(lab_dir, process), "status")
        if all(u["up"] for u in status["units"]):
            return
        if time.monotonic() > deadline:
            raise LabError(f"the Map-Server is not back after {timeout:.0f} s")
        time.sleep(0.1)


def start_lab(
    spec: LabSpec,
    lab_dir: Path,
    *,
    wait_registered_eids: bool = True,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    lab_dir = lab_dir.resolve()
    if lab_is_running(lab_dir):
        raise LabError(f"a lab is already running in {lab_dir}; run `lisplab down` first")
    _check_subnet_free(spec, lab_dir)
    started = time.monotonic()
    for stale in [paths.pids(lab_dir), *(lab_dir / "state").glob("ms*.json")]:
        stale.unlink(missing_ok=True)
    for sock in (lab_dir / "run").glob("*.sock"):
        sock.unlink()
    progress(f"writing lab files in {lab_dir}")
    artifacts.write_all(spec, lab_dir)
    pids: dict[str, int] = {}
    try:
        ms_pids = {}
        for ms in range(spec.map_servers):
            name = spec.ms_process(ms)
            ms_pids[name] = pids[name] = _spawn(lab_dir, name, ["ms", str(ms)])
            atomic_write_text(paths.pids(lab_dir), json.dumps(pids))
        # ETRs register the moment they start: the MSes must be listening by then,
        # or the first registrations are lost until each ETR's next periodic one.
        _wait_ready(lab_dir, ms_pids, timeout=60 + 5 * spec.map_servers, progress=progress)
        etr_pids = {}
        for first in range(0, spec.etrs_total, spec.shard_size):
            name = f"etrs-{first}"
            etr_pids[name] = _spawn(lab_dir, name, ["etrs", str(first), str(spec.shard_size)])
            pids[name] = etr_pids[name]
            atomic_write_text(paths.pids(lab_dir), json.dumps(pids))
        progress(f"started {len(pids)} lab process(es); waiting for them")
        _wait_ready(lab_dir, etr_pids, timeout=60 + spec.etrs_total / 100, progress=progress)
        registered = 0
        if wait_registered_eids:
            status = wait_registered(lab_dir, timeout=30 + spec.etrs_total / 200)
            registered = status["registered_eids"]
    except BaseException:
        stop_lab(lab_dir)
        raise
    return {
        "registered_eids": registered,
        # Summed over the Map-Servers: a site on two counts on each.
        "configured_eids": spec.sites * spec.eids_per_site * spec.register_to,
        "seconds": time.monotonic() - started,
        "pids": pids,
    }


def stop_lab(lab_dir: Path, grace: float = 10.0) -> int:
    """Stop every process the lab started; returns how many were running."""
    lab_dir = lab_dir.resolve()
    pids = {name: pid for name, pid in _read_pids(lab_dir).items() if _is_ours(pid, lab_dir)}
    for name in pids:
        with contextlib.suppress(ControlError, OSError):
            call(paths.control_socket(lab_dir, name), "shutdown", timeout=2)
    deadline = time.monotonic() + grace
    for sig in (signal.SIGTERM, signal.SIGKILL):
        while time.monotonic() < deadline and any(_is_ours(p, lab_dir) for p in pids.values()):
            time.sleep(0.05)
        for pid in pids.values():
            if _is_ours(pid, lab_dir):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(_is_ours(p, lab_dir) for p in pids.values()):
        time.sleep(0.05)
    paths.pids(lab_dir).unlink(missing_ok=True)
    return len(pids)
