"""CPU time and peak memory of running processes, read from /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStats:
    cpu_s: float  # user + system, since the process started
    peak_rss_mb: float  # VmHWM: the high-water mark of the resident set
    rss_mb: float


def read(pid: int) -> ProcStats | None:
    """None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces): utime is the 14th
    # field of the line, the 12th after ")".
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    kb = {}
    for line in status.splitlines():
        key, _unused, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            kb[key] = int(value.split()[0])
    return ProcStats(cpu, kb.get("VmHWM", 0) / 1024, kb.get("VmRSS", 0) / 1024)


def snapshot(pids: dict[str, int]) -> dict[str, ProcStats]:
    return {name: s for name, pid in pids.items() if (s := read(pid)) is not None}
