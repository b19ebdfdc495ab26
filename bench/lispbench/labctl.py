"""The bench's lab: start it, reboot its Map-Server, watch its table, stop it.

The table is watched through the lab's control socket (the MS process's own
count, read every 25 ms): that is the ground truth the measured instants
come from, independent of how often the tool under test polls NETCONF.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.control import ControlError, call
from ansible_collections.lispnet.ms_recovery.lab.processes import start_lab, stop_lab
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec

WATCH_INTERVAL = 0.025


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@dataclass
class TableWatch:
    """Samples (time.time(), MS up, registered EIDs, boot time) until stopped."""

    sock: Path
    samples: list[tuple[float, bool, int, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TableWatch:
        self._thread = threading.Thread(target=self._run, name="table-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = call(self.sock, "status", timeout=5)
            except (ControlError, OSError):
                time.sleep(WATCH_INTERVAL)
                continue
            active = next(u for u in status["units"] if u["role"] == "active")
            self.samples.append(
                (time.time(), active["up"], active["registered_eids"], _ts(active["boot_time"]))
            )
            time.sleep(WATCH_INTERVAL)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def back_at(self, after: float) -> float | None:
        """The boot time of the unit that came back after ``after``."""
        return next((b for _unused, up, _unused, b in self.samples if up and b > after), None)

    def whole_at(self, after: float, expected: int) -> float | None:
        """The first sample, after a reboot at ``after``, with the table whole."""
        return next((t for t, up, n, b in self.samples if up and b > after and n >= expected), None)

    def curve(self, after: float, step: float = 1.0) -> list[list[float]]:
        """[seconds since back, registered EIDs], thinned to one per ``step``."""
        back = self.back_at(after)
        points: list[list[float]] = []
        for t, up, n, b in self.samples:
            if back is None or not up or b <= after:
                continue
            x = round(t - back, 3)
            if not points or x - points[-1][0] >= step or n != points[-1][1]:
                if points and x - points[-1][0] < step:
                    points[-1] = [x, n]
                else:
                    points.append([x, n])
        return points


class BenchLab:
    def __init__(self, lab_dir: Path, spec: LabSpec) -> None:
        self.dir = lab_dir.resolve()
        self.spec = spec
        self.ms_sock = paths.control_socket(self.dir, "ms")
        self.up_seconds = 0.0

    @property
    def expected_eids(self) -> int:
        return self.spec.sites * self.spec.eids_per_site

    def start(self) -> None:
        summary = start_lab(self.spec, self.dir)
        self.up_seconds = float(summary["seconds"])

    def stop(self) -> int:
        return stop_lab(self.dir)

    def pids(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(paths.pids(self.dir).read_text()).items()}
        except (OSError, ValueError):
            return {}

    def reboot(self, down_for: float) -> float:
        """Reboot the active unit; returns the instant just before the command."""
        at = time.time()
        call(self.ms_sock, "reboot", down_for=down_for)
        return at

    def wait_whole(self, watch: TableWatch, after: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            whole = watch.whole_at(after, self.expected_eids)
            if whole is not None:
                return whole
            time.sleep(0.05)
        return None

    def status(self) -> dict[str, Any]:
        return call(self.ms_sock, "status")
