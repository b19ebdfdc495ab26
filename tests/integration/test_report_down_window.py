"""The MS's down window in the report of a real recover.yml run: the lab knows
when it took the unit down and brought it back, and the window ms_state bounds
(from its own earlier reads and what the unit reports over NETCONF) must
contain that real interval - on the lispnet lab for a reboot and a switchover
(no switchover time in the model: back "at the latest"), on the IOS-XE lab for
a switchover (ha-oper last-switchover-time: back exactly then)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import parse_time
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"


def recover(lab: Lab, *args: str) -> dict[str, Any]:
    """Run recover.yml; return its report.json."""
    report = lab.dir / "report"
    run = run_playbook(
        lab, f"- ansible.builtin.import_playbook: {RECOVER}\n", "-e", f"report_dir={report}", *args
    )
    assert run.rc == 0, run.output
    data: dict[str, Any] = json.loads((report / "report.json").read_text())
    return data


# What a cron job or the role's first task does on a healthy Map-Server: one
# look at each unit, which leaves ms_state's sightings (cheaper than recover.yml).
LOOK = """
- hosts: map_servers
  gather_facts: false
  tasks:
    - lispnet.ms_recovery.ms_state:
        eid_inventory: "{{ lisp_eid_inventory }}"
        state_file: "{{ lisp_ms_state_file }}"
"""


def look(lab: Lab) -> None:
    run = run_playbook(lab, LOOK)
    assert run.rc == 0, run.output


def unit_status(lab: Lab, name: str) -> dict[str, Any]:
    status = lab.control("status")
    return next(u for u in status["units"] if u["name"] == name)


def window_of(report: dict[str, Any]) -> tuple[datetime | None, datetime, datetime, bool]:
    window = report["ms_state"]["down_window"]
    assert window is not None, report["ms_state"]
    after = None if window["down_after"] is None else parse_time(window["down_after"])
    return after, parse_time(window["down_by"]), parse_time(window["back_at"]), window["back_exact"]


def test_reboot_then_switchover_windows_contain_the_labs_real_outages(lab: Lab) -> None:
    look(lab)  # healthy: ms_state's sighting of the old boot
    taken_down = parse_time(lab.control("reboot", down_for=1.0)["down_at"])
    wait_ms_back(lab.dir, timeout=20)
    came_back = parse_time(unit_status(lab, "ms1-a")["boot_time"])
    report = recover(lab)
    assert report["ms_state"]["event"] == "reboot"
    after, by, back, exact = window_of(report)
    assert after is not None and after <= taken_down <= by  # went down within the bound
    assert exact and back == came_back  # the lab's boot, as the unit reports it
    timeline = report["timeline"]
    assert timeline["ms_back_at"] == report["ms_state"]["down_window"]["back_at"]
    assert timeline["down_after_back"] < 0 and timeline["whole_after_back"] is not None
    assert report["headline"].startswith("Table whole ")
    assert 'class="down-window"' in (lab.dir / "report" / "report.html").read_text()

    switched = parse_time(lab.control("switchover")["switched_at"])
    report = recover(lab)
    assert report["ms_state"]["event"] == "switchover"
    after, by, back, exact = window_of(report)
    # The lispnet augment has no switchover time to poll: back at the latest at the
    # read that found it, after the last read of ms1-a still active.
    assert after is not None and after <= switched <= back and not exact
    assert "after the MS was seen back (at the latest)" in report["headline"]


@pytest.fixture
def iosxe_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab", sites=3, register_interval=NO_PASSIVE_REFILL, platform="iosxe"
    ) as running:
        yield running


def test_an_iosxe_switchover_is_back_at_its_reported_time(iosxe_lab: Lab) -> None:
    register = ("-e", "ms_recovery_method=register")
    look(iosxe_lab)
    switched = parse_time(iosxe_lab.control("switchover")["switched_at"])
    report = recover(iosxe_lab, *register)
    assert report["ms_state"]["event"] == "switchover"
    after, by, back, exact = window_of(report)
    assert exact and back == by == switched  # ha-oper last-switchover-time, to the microsecond
    assert after is not None and after <= switched
    assert report["ms_state"]["down_window"]["back_source"] == (
        "Cisco-IOS-XE-ha-oper last-switchover-time"
    )
