"""The shipped rulebook end to end: ansible-rulebook runs
``lispnet.ms_recovery.ms_recovery`` against the lab (the ms_watch source
polling every 2 s, run_playbook recover.yml on the reboot event); the active
unit is rebooted and the MS's own count says when it is back and whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.lispnet.ms_recovery.lab import paths

from .phases import REPO, Phase, _since

RULEBOOK = "lispnet.ms_recovery.ms_recovery"
CONNECTED_TIMEOUT = 120.0


def rulebook(phase: Phase, work: Path, timeout: float = 120.0) -> dict[str, Any]:
    lab = phase.lab
    work.mkdir(parents=True, exist_ok=True)
    (work / "vars.yml").write_text(
        yaml.safe_dump(
            {
                "lisp_eid_inventory": str(lab.dir / "eids.yml"),
                "lisp_ms_username": lab.spec.username,
                "lisp_ms_password": lab.spec.password,
                "lisp_ms_ssh_config": str(paths.ssh_config(lab.dir)),
            }
        )
    )
    inventory = yaml.safe_load((lab.dir / "inventory.yml").read_text())
    inventory["all"]["vars"]["report_dir"] = str(work / "report")
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    bin_dir = Path(sys.executable).parent
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=control_dir,
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    argv = [str(bin_dir / "ansible-rulebook"), "-r", RULEBOOK, "-i", "inventory.yml"]
    proc = subprocess.Popen(
        [*argv, "-e", "vars.yml", "-v"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append((time.time(), line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def seen(text: str) -> float | None:
        return next((t for t, line in list(lines) if text in line), None)

    try:
        deadline = time.monotonic() + CONNECTED_TIMEOUT
        while seen(": connected") is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        if seen(": connected") is None:
            return {"error": "ansible-rulebook did not connect: " + _tail(lines)}
        time.sleep(2.5)  # a first poll: the baseline boot time
        after, watch, probe, before = phase.begin()
        out = phase.end(after, watch, probe, before, whole_timeout=timeout)
        out.pop("_watch")
        # The playbook's last task line, for when it ended.
        deadline = time.monotonic() + timeout
        while seen("PLAY RECAP") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        back = out["back"]
        out.update(
            {
                "recovered_s": out["whole_after_back_s"],
                "event_after_back_s": _since(seen("reboot of"), back),
                "play_ended_after_back_s": _since(seen("PLAY RECAP"), back),
            }
        )
        if out["recovered_s"] is None:
            out["error"] = "not whole: " + _tail(lines)
        return out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        reader.join(timeout=5)
        shutil.rmtree(control_dir, ignore_errors=True)


def _tail(lines: list[tuple[float, str]]) -> str:
    return "\n".join(line for _unused, line in lines[-20:])
