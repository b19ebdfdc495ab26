"""recover.yml through 20 % packet loss, with the Map-Server rebooting again in
the middle of the recovery (and one ETR stopped, or 2 s into a 200-site run).

The role rides through the second reboot within the same run (it waits for the
port, starts a fresh session, detects again and recovers again); after that one
run every reachable site must be registered (checked by an independent NETCONF
read), the report must cover both events, and the stopped ETR must be named.
Both the MS-native method and the controller's own notifications (which
retransmit through the loss) are exercised.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.recover_process import (
    REREGISTER_BANNER,
    RecoverProcess,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    eventually,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

STOPPED = 3  # index of the site whose only ETR is stopped
# Retransmit fast so that lost notifications are retried within seconds.
FAST = (0.25,) * 16
# Bounds the wait for the table in each run; the stopped ETR never answers.
RUN_ARGS = ("-e", "ms_recovery_timeout=15")


@pytest.fixture
def lossy_lab(tmp_path: Path) -> Iterator[Lab]:
    with running_lab(
        tmp_path / "lab",
        sites=8,
        register_interval=NO_PASSIVE_REFILL,  # nothing refills the table but the recoveries
        notify_schedule=FAST,
        loss=0.2,
        fault_seed=11,
    ) as lab:
        yield lab


def reregistrations(lab: Lab) -> int:
    return sum(etr["reregistrations"] for etr in lab_status(lab.dir)["etrs"].values())


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=0.5)
    wait_ms_back(lab.dir, timeout=20)


def report_of(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "report.json").read_text())


@pytest.mark.parametrize("method", ["ms", "lisp"])
def test_a_reboot_during_a_lossy_recovery_is_ridden_through_in_one_run(
    lossy_lab: Lab, method: str
) -> None:
    lab = lossy_lab
    inventory = load_inventory(lab.eids)
    stopped_site = inventory.sites[STOPPED]
    stopped_etr = stopped_site.etrs[0].name
    lab.control("stop_etr", process=lab.etr_process_of(STOPPED), name=stopped_etr)
    reboot(lab)

    args = ("-e", f"ms_recovery_method={method}", *RUN_ARGS)
    before = reregistrations(lab)
    report_dir = lab.dir / "report"
    run = RecoverProcess(lab, *args, report_dir=report_dir)
    assert run.wait_for_line(REREGISTER_BANNER, timeout=90), run.output
    # The second reboot lands once the notifications are going out.
    assert eventually(lambda: reregistrations(lab) > before, timeout=30), run.output
    lab.control("reboot", down_for=0.5)
    final = run.finish(timeout=200)

    # That one run waited for the port, detected the reboot again and recovered
    # again: every reachable site is registered.
    reachable = {
        eid: rlocs
        for eid, rlocs in inventory.expected("ms1").items()
        if eid not in stopped_site.eids
    }
    table = lab.registered()
    assert {eid: table.get(eid) for eid in reachable} == reachable, final.output
    assert not any(eid in table for eid in stopped_site.eids)

    # One report covers both events and names the interruption.
    report = report_of(report_dir)
    ms_state = report["ms_state"]
    assert ms_state["events"][-1] == "reboot", ms_state
    assert len(ms_state["events"]) >= 2 and ms_state["interruptions"], ms_state
    assert "interrupted" in final.output  # the summary line says so

    # The stopped ETR is named, and the play says the recovery is not whole.
    assert report["reregister"]["failed_sites"] == [stopped_site.name]
    assert report["reregister"]["unreachable_etrs"] == [stopped_etr]
    assert final.rc != 0
    assert stopped_site.name in final.output
    assert lab_status(lab.dir)["faults"]["dropped"] > 0  # the loss was real


def test_200_sites_rebooted_again_2_s_into_recover_yml_are_whole_after_one_run(
    tmp_path: Path,
) -> None:
    with running_lab(
        tmp_path / "lab",
        sites=200,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=FAST,
        loss=0.2,
        fault_seed=13,
    ) as lab:
        reboot(lab)
        report_dir = lab.dir / "report"
        run = RecoverProcess(lab, "-e", "ms_recovery_timeout=30", report_dir=report_dir)
        time.sleep(2.0)
        lab.control("reboot", down_for=0.5)
        final = run.finish(timeout=200)
        assert final.rc == 0, final.output
        assert lab.registered() == load_inventory(lab.eids).expected("ms1")
        ms_state = report_of(report_dir)["ms_state"]
        assert ms_state["events"], ms_state
