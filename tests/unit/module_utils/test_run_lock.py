"""The reregister run lock: exclusive across processes, bounded wait, released on kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.run_lock import (
    RunLockTimeout,
    default_lock_file,
    run_lock,
)

HOLD = """
import sys, time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.run_lock import run_lock
with run_lock(sys.argv[1], 5):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def test_a_second_holder_times_out_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ms1.lock"
    holder = _holder(path)
    try:
        with pytest.raises(RunLockTimeout, match=str(path)), run_lock(path, 0.2):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "ms1.lock"
    holder = _holder(path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    with run_lock(path, 5) as waited:
        assert waited < 5


def test_the_lock_is_reentrant_after_release_and_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "ms1.lock"
    with run_lock(path, 1):
        pass
    with run_lock(path, 1) as waited:
        assert waited < 1
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0


def test_the_default_lock_file_names_the_map_server_and_its_address() -> None:
    path = default_lock_file("ms 1/x", "127.1.0.1")
    assert os.path.basename(path) == "ms_1_x-127.1.0.1.reregister.lock"
    assert default_lock_file("ms1", "127.1.0.1") != default_lock_file("ms1", "127.2.0.1")
