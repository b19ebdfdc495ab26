"""Where things live in a lab directory (default: .lab in the repository)."""

from __future__ import annotations

from pathlib import Path


def spec(lab_dir: Path) -> Path:
    return lab_dir / "lab.json"


def ms_store(lab_dir: Path, map_server: str = "ms1") -> Path:
    # The MS's "disk": site config and stored basic routing info.
    return lab_dir / "state" / f"{map_server}.json"


def nonce_counter(lab_dir: Path, process: str) -> Path:
    # The high-water mark of a process's LISP nonces (see lisp/nonce.py).
    return lab_dir / "state" / f"{process}.nonce"


def etr_state(lab_dir: Path, process: str) -> Path:
    # An ETR process's "disk": each ETR's notification replay state.
    return lab_dir / "state" / f"{process}.json"


def host_key(lab_dir: Path, router: str) -> Path:
    return lab_dir / "hostkeys" / f"{router}.key"


def control_socket(lab_dir: Path, process: str) -> Path:
    return lab_dir / "run" / f"{process}.sock"


def log_file(lab_dir: Path, process: str) -> Path:
    return lab_dir / "logs" / f"{process}.log"


def pids(lab_dir: Path) -> Path:
    return lab_dir / "run" / "pids.json"


def ansible_inventory(lab_dir: Path) -> Path:
    return lab_dir / "inventory.yml"


def etr_inventory(lab_dir: Path) -> Path:
    # The ETRs as Ansible hosts, apart: a recovery targets the Map-Server units,
    # and Ansible parses every host of its inventories (10,000 ETRs: ~7 s).
    return lab_dir / "etrs.yml"


def eid_inventory(lab_dir: Path) -> Path:
    return lab_dir / "eids.yml"


def ssh_config(lab_dir: Path) -> Path:
    return lab_dir / "ssh_config"


def known_hosts(lab_dir: Path, group: str | None = None) -> Path:
    return lab_dir / ("known_hosts" if group is None else f"known_hosts.{group}")
