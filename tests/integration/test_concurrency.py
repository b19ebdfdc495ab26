"""Two recoveries of one Map-Server at once, and a recovery killed midway.

Two ``recover.yml`` runs started together after a reboot would both read an
empty table; the reregister module's run lock (recovery/run_lock.py) makes the
second one wait, read a whole table and send nothing, so every ETR is told to
re-register exactly once. A run SIGKILLed in the middle leaves the state file
and the reports valid (atomic writes) and the next run finishes the job.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.run_lock import (
    default_lock_file,
    run_lock,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.recover_process import (
    REREGISTER,
    REREGISTER_BANNER,
    RecoverProcess,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    eventually,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

# Nothing refills the table but the recoveries under test.


@pytest.fixture
def quiet_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab",
        sites=6,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=(0.5, 0.5, 1.0),
    ) as lab:
        yield lab


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=0.5)
    wait_ms_back(lab.dir, timeout=20)
    assert lab.read_ms().registrations == ()


def processes_holding(path: str) -> set[int]:
    """PIDs that have ``path`` open (a run waiting for, or holding, the lock)."""
    target = os.path.realpath(path)
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.path.realpath(fd) == target:
                    pids.add(int(fd_dir.parent.name))
        except OSError:
            continue  # the process ended or is not ours to read
    return pids


def reregistrations(lab: Lab) -> dict[str, int]:
    """Per ETR: re-registrations triggered by an accepted notification or RPC."""
    return {name: etr["reregistrations"] for name, etr in lab_status(lab.dir)["etrs"].items()}


def expected(lab: Lab) -> dict:
    return load_inventory(lab.eids).expected("ms1")


@pytest.mark.parametrize("method", ["ms", "lisp"])
def test_two_recoveries_at_once_notify_every_etr_once(quiet_lab: Lab, method: str) -> None:
    lab = quiet_lab
    reboot(lab)
    before = reregistrations(lab)
    lock = default_lock_file("ms1", str(lab.spec.service_address))
    # Hold the run lock until both runs wait on it, so they really overlap
    # however slowly each ansible-playbook starts on a busy machine.
    with run_lock(lock, timeout=10):
        runs = [
            RecoverProcess(
                lab,
                "-e",
                f"ms_recovery_method={method}",
                report_dir=lab.dir / f"report-{n}",
                callback="ansible.posix.json",
            )
            for n in range(2)
        ]
        assert eventually(lambda: len(processes_holding(lock) - {os.getpid()}) == 2, timeout=90)
    results = [run.finish() for run in runs]
    for result in results:
        assert result.rc == 0, result.output
    assert lab.registered() == expected(lab)

    after = reregistrations(lab)
    triggered = {name: after[name] - before.get(name, 0) for name in after}
    assert triggered == {name: 1 for name in after}  # once each, not twice

    reregistered = [r.result(REREGISTER, "ms1-a") for r in results]
    # One run did the work; the other waited for the lock, found the table whole
    # and sent nothing.
    assert sorted(r["sent"] for r in reregistered) == [0, lab.spec.etrs_total]
    idle = next(r for r in reregistered if r["sent"] == 0)
    assert idle["changed"] is False and idle["complete"] is True
    assert idle["lock_waited"] > 0


def _valid_json_or_absent(path: Path) -> None:
    if path.exists():
        json.loads(path.read_text())  # raises on a torn file


def test_a_run_killed_midway_leaves_valid_files_and_the_next_run_recovers(
    quiet_lab: Lab,
) -> None:
    lab = quiet_lab
    state_file = lab.dir / "ms_state.json"
    report_dir = lab.dir / "report"
    # A first, healthy run writes the state file and a report to be overwritten.
    first = RecoverProcess(lab, report_dir=report_dir)
    assert first.finish().rc == 0
    assert json.loads((report_dir / "report.json").read_text())["ok"] is True

    reboot(lab)
    run = RecoverProcess(lab, "-e", "ms_recovery_method=lisp", report_dir=report_dir)
    assert run.wait_for_line(REREGISTER_BANNER), run.output
    run.kill()
    assert run.proc.returncode != 0

    _valid_json_or_absent(state_file)
    for report in report_dir.glob("*.json"):
        _valid_json_or_absent(report)
    assert not [p.name for p in state_file.parent.glob(f".{state_file.name}.*")]

    again = RecoverProcess(lab, "-e", "ms_recovery_method=lisp", report_dir=report_dir)
    result = again.finish()
    assert result.rc == 0, result.output
    assert lab.registered() == expected(lab)
    assert json.loads((report_dir / "report.json").read_text())["ok"] is True
    json.loads(state_file.read_text())
