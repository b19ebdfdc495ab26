"""Run a controller-side command and measure it: wall time, CPU, peak RSS.

The command runs under ``measured_child.py``, a fresh small Python that forks
it and reports ``os.wait4``'s resource usage: that of the one command and of
the descendants it waited for (e.g. ansible-playbook's workers and modules),
so that measurements of successive commands do not mix, unlike
RUSAGE_CHILDREN. Not ``os.wait4`` here: Linux carries a process's RSS
high-water mark over ``exec`` into ``ru_maxrss``, so a command forked from
the benchmark (hundreds of MB after a 10,000-site lab) would report the
benchmark's peak instead of its own. From the wrapper it carries only the
wrapper's few MB (``WRAPPER_FLOOR_MB``: no figure is below it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WRAPPER = Path(__file__).resolve().parent / "measured_child.py"
# What the wrapper's fork hands the command: about a bare interpreter's heap.
WRAPPER_FLOOR_MB = 10


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    # User + system of the command and its waited-for descendants, and the
    # largest resident set of any one of those processes; None when it was
    # killed (timeout) before its usage could be collected.
    cpu_s: float | None
    peak_rss_mb: float | None
    timed_out: bool


@dataclass(frozen=True)
class _Report:
    returncode: int
    cpu_s: float
    peak_rss_kb: int
    wall_s: float

    @classmethod
    def parse(cls, line: bytes) -> _Report | None:
        try:
            code, cpu, rss, wall = line.split()
            return cls(int(code), float(cpu), int(rss), float(wall))
        except ValueError:
            return None  # the wrapper was killed (timeout) before it reported


def run_measured(
    argv: Sequence[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run ``argv`` to completion or kill its process group after ``timeout`` s."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    report_r, report_w = os.pipe()
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(WRAPPER), str(report_w), *argv],
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            env=env,
            cwd=cwd,
            pass_fds=(report_w,),
            start_new_session=True,  # one process group to kill on timeout
        )
    finally:
        for fd in (out_w, err_w, report_w):
            os.close(fd)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: [], report_r: []}

    def drain(fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            while data := stream.read(65536):
                chunks[fd].append(data)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in chunks]
    for reader in readers:
        reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _pid, status, _usage = os.wait4(process.pid, 0)
    except BaseException:  # Ctrl-C: take the command down with us
        kill()
        os.wait4(process.pid, 0)
        raise
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    for reader in readers:
        reader.join(timeout=5)
    report = _Report.parse(b"".join(chunks[report_r]))
    returncode, cpu, peak_mb = process.returncode, None, None
    if report is not None:  # else killed: the wrapper's own usage would say nothing
        returncode, cpu, peak_mb = report.returncode, report.cpu_s, report.peak_rss_kb / 1024
        wall = report.wall_s
    return Measured(
        returncode=returncode,
        stdout=b"".join(chunks[out_r]).decode(errors="replace"),
        stderr=b"".join(chunks[err_r]).decode(errors="replace"),
        wall_s=wall,
        cpu_s=cpu,
        peak_rss_mb=peak_mb,
        timed_out=timed_out.is_set(),
    )
