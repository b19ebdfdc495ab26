"""End to end, nobody starts a playbook: the shipped rulebook recovers a rebooted MS.

ansible-rulebook runs ``lispnet.ms_recovery.ms_recovery`` (resolved through the
collection, as the docs run it) with its variables pointed at a lab whose ETRs
register only every 10 minutes, so only the recovery can refill the table
within the test. The MS is rebooted; the table must be whole again, and the
report of the recover playbook (run by the rulebook) must say so.

Detection latency (MS back -> event) and time to a whole table are printed
(``pytest -s``), not asserted. The last test runs the latency measurement
``make bench`` uses (extensions/eda/watch/latency.py) against a lab.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.latency import (
    measure_detection_latency,
)
from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import parse_time
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import ANSIBLE_CFG
from ansible_collections.lispnet.ms_recovery.tests.integration.test_eda_rulebook import (
    BIN_DIR,
    RULEBOOK_CLI,
    _skip_reason,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.test_report_down_window import (
    look,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, running_lab

pytestmark = pytest.mark.integration
needs_rulebook = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))

RULEBOOK = "lispnet.ms_recovery.ms_recovery"
# Long enough that no ETR re-registers by itself during the test.
REGISTER_INTERVAL = 86400.0
WAIT = 60.0
DETECTED = "ms1: reboot of ms1-a"
REREGISTER = "lispnet.ms_recovery.ms_recovery : Ask the sites' ETRs to re-register"


@pytest.fixture
def slow_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab",
        sites=5,
        register_interval=REGISTER_INTERVAL,
        notify_schedule=(0.5, 0.5, 1.0),
    ) as running:
        yield running


@dataclass
class Rulebook:
    """A running ansible-rulebook: its output lines, with when each arrived."""

    proc: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    @property
    def output(self) -> str:
        return "".join(line for _unused, line in self.lines)

    def seen(self, text: str) -> float | None:
        """When a line containing ``text`` arrived (monotonic), or None."""
        return next((at for at, line in list(self.lines) if text in line), None)

    def wait_for(self, text: str, timeout: float = WAIT) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            at = self.seen(text)
            if at is not None:
                return at
            time.sleep(0.05)
        at = self.seen(text)
        assert at is not None, f"no {text!r} from ansible-rulebook:\n{self.output}"
        return at

    def stop(self) -> None:
        """SIGTERM to its process group (it and the playbook it runs), bounded."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    # ansible-rulebook copies the playbook's directory for each run: keep the
    # run apart from the lab's directory (which holds sockets).
    work = tmp_path / "rulebook"
    work.mkdir()
    yield work


def start_rulebook(lab: Lab, work: Path, report_dir: Path, control_dir: str) -> Rulebook:
    # The rulebook's variables are the source's; the playbook gets its own from
    # the inventory (rulebook vars do not reach it), the report directory too.
    (work / "vars.yml").write_text(
        yaml.safe_dump(
            {
                "lisp_eid_inventory": str(lab.eids),
                "lisp_ms_username": lab.spec.username,
                "lisp_ms_password": lab.spec.password,
                "lisp_ms_ssh_config": str(paths.ssh_config(lab.dir)),
            }
        )
    )
    inventory = yaml.safe_load(lab.inventory.read_text())
    inventory["all"]["vars"]["report_dir"] = str(report_dir)
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ANSIBLE_CFG),
        # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
        ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=control_dir,
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    proc = subprocess.Popen(
        [
            str(RULEBOOK_CLI),
            "-r",
            RULEBOOK,
            "-i",
            "inventory.yml",
            "-e",
            "vars.yml",
            "-v",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return Rulebook(proc)


def task_block(output: str, task: str) -> str:
    """The host lines under the first ``TASK [task]`` header of a playbook's output."""
    _unused, found, rest = output.partition(f"TASK [{task}]")
    assert found, f"no task {task!r} in:\n{output}"
    return rest.split("\n\n", 1)[0]


def port_back(host: str, port: int, timeout: float = WAIT) -> float:
    """When the unit's NETCONF port accepts connections again (monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return time.monotonic()
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"{host}:{port} did not come back within {timeout} s")


@needs_rulebook
def test_shipped_rulebook_recovers_a_rebooted_ms(slow_lab: Lab, work: Path) -> None:
    lab = slow_lab
    expected = load_inventory(lab.eids).expected("ms1")
    assert lab.registered() == expected
    report_dir = work.parent / "report"
    look(lab)  # an earlier healthy check: ms_state knows the unit (a reboot, not a first sight)
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    rulebook = start_rulebook(lab, work, report_dir, control_dir)
    reader = threading.Thread(target=rulebook.read, daemon=True)
    reader.start()
    try:
        rulebook.wait_for("ms1-a: connected")
        time.sleep(2.5)  # a first poll: the baseline boot time, not an event
        assert rulebook.seen(DETECTED) is None, "a healthy lab is no event"

        rebooted = time.monotonic()
        down_at = lab.control("reboot", down_for=1)["down_at"]
        # Down at once: the table it comes back with is empty.
        back = port_back(str(lab.spec.unit_address(0)), lab.spec.netconf_port)
        detected = rulebook.wait_for(DETECTED)

        deadline = time.monotonic() + WAIT
        while lab.registered() != expected and time.monotonic() < deadline:
            time.sleep(0.5)
        whole = time.monotonic()
        assert lab.registered() == expected, rulebook.output
        # Not the ETRs' own timer: the playbook the rulebook ran did it.
        report = report_dir / "report.json"
        deadline = time.monotonic() + WAIT
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert report.exists(), "the recover playbook wrote no report:\n" + rulebook.output
        result = json.loads(report.read_text())
        assert result["ok"] is True
        # The outage is bounded by ms_watch's last poll of the old boot (seconds
        # before), tighter than ms_state's earlier check, and contains the real one.
        window = result["ms_state"]["down_window"]
        assert window["down_after_source"].startswith("ms_watch's last poll"), window
        bounds = [parse_time(window[k]) for k in ("down_after", "down_by")]
        assert bounds[0] <= parse_time(down_at) <= bounds[1]
        assert "changed: [ms1-a]" in task_block(rulebook.output, REREGISTER), rulebook.output
        print(
            f"\nMS back {back - rebooted:.2f} s after the reboot command; "
            f"reboot event {detected - back:.2f} s after the MS was back; "
            f"table whole {whole - back:.2f} s after the MS was back "
            f"(register interval {REGISTER_INTERVAL:.0f} s)"
        )
        assert lab.spec.password not in rulebook.output
    finally:
        rulebook.stop()
        reader.join(timeout=5)
        shutil.rmtree(control_dir, ignore_errors=True)


def test_detection_latency_is_measured_on_a_lab(lab: Lab) -> None:
    # What `make bench` calls: the source in-process, a reboot as the trigger.
    result = measure_detection_latency(
        {
            "eid_inventory": str(lab.eids),
            "username": lab.spec.username,
            "password": lab.spec.password,
            "ssh_config": str(paths.ssh_config(lab.dir)),
            "poll_interval": 2,
        },
        lambda: lab.control("reboot", down_for=1),
        unit="ms1-a",
        timeout=30,
    )
    assert (result.event, result.unit) == ("reboot", "ms1-a")
    assert 0 < result.back_after <= result.total
    print(f"\ndetection: {result.as_dict()}")
