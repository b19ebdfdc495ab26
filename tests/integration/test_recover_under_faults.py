"""recover.yml through 20 % packet loss, with the Map-Server rebooting again in
the middle of the recovery and one ETR stopped.

What an operator (or the EDA rulebook) does after such a run is run recover.yml
once more; after that one run every reachable site must be registered (checked
by an independent NETCONF read) and the stopped ETR named as not recovered.
Both the MS-native method and the controller's own notifications (which
retransmit through the loss) are exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import lab_status
from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.recover_process import (
    RECOVER,
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


@pytest.mark.parametrize("method", ["ms", "lisp"])
def test_a_reboot_during_a_lossy_recovery_is_healed_by_one_more_run(
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
    first = RecoverProcess(lab, *args, report_dir=lab.dir / "report-1")
    assert first.wait_for_line(REREGISTER_BANNER), first.output
    # The second reboot lands once the notifications are going out.
    assert eventually(lambda: reregistrations(lab) > before, timeout=30), first.output
    lab.control("reboot", down_for=0.5)
    interrupted = first.finish(timeout=150)
    # The interrupted run fails, naming the Map-Server it lost (or, had the
    # notifications all landed before the reboot, ends incomplete): either way
    # it ends, and the next run starts from what the table holds then.
    assert interrupted.rc != 0, interrupted.output
    assert str(lab.spec.unit_address(0)) in interrupted.output
    wait_ms_back(lab.dir, timeout=20)

    final = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        *args,
        "-e",
        f"report_dir={lab.dir / 'report-2'}",
        timeout=150,
    )
    reachable = {
        eid: rlocs
        for eid, rlocs in inventory.expected("ms1").items()
        if eid not in stopped_site.eids
    }
    table = lab.registered()
    assert {eid: table.get(eid) for eid in reachable} == reachable, final.output
    assert not any(eid in table for eid in stopped_site.eids)

    # The stopped ETR is named, and the play says the recovery is not whole.
    result = final.result(REREGISTER, "ms1-a")
    assert result["failed_sites"] == [stopped_site.name]
    assert result["unreachable_etrs"] == [stopped_etr]
    assert final.rc != 0
    assert stopped_site.name in final.output
    assert lab_status(lab.dir)["faults"]["dropped"] > 0  # the loss was real
