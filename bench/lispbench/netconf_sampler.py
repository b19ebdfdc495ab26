"""The passive curve as an operator would see it: the MS summary over NETCONF.

A thread reconnects to the active unit once it is back and reads the cheap
summary (registered and expected EIDs) every ``interval`` seconds.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform


class SummarySampler:
    def __init__(self, lab_dir: Path, spec: LabSpec, unit: int, interval: float = 0.5) -> None:
        self.lab_dir, self.spec, self.unit, self.interval = lab_dir, spec, unit, interval
        self.samples: list[tuple[float, int]] = []  # (time.time(), registered EIDs)
        self.read_seconds: list[float] = []  # how long each summary read took
        self.errors = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="netconf-summary", daemon=True)

    def start(self) -> SummarySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _connect(self) -> NcclientSession:
        return NcclientSession.connect(
            host=str(self.spec.unit_address(self.unit)),
            port=self.spec.netconf_port,
            username=self.spec.username,
            password=self.spec.password,
            ssh_config=str(paths.ssh_config(self.lab_dir)),
            timeout=30,
        )

    def _run(self) -> None:
        platform = get_platform("ietf")
        session = None
        while not self._stop.is_set():
            try:
                if session is None:
                    session = self._connect()
                began = time.monotonic()
                _unused, summary = platform.read_ms_unit_summary(session)
                self.read_seconds.append(time.monotonic() - began)
                if summary is not None and summary.registered_eids is not None:
                    self.samples.append((time.time(), summary.registered_eids))
            except (NetconfFailure, OSError, EOFError):
                self.errors += 1
                session = None
            except Exception as exc:  # ncclient raises its own types on a dropped session
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                session = None
            self._stop.wait(self.interval)
        if session is not None:
            session.close()
