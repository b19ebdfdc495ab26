"""A lab whose routers are standard IETF servers (``--platform ietf``): the
IETF LISP modules and ietf-system only. ms_state detects a reboot from
boot-datetime, validate.yml checks the table from the IETF leaves,
snapshot.yml learns the sites, and method ms is refused naming what the
server lacks, all through ansible-playbook and Ansible's netconf connection."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back, wait_registered
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    SYS,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    PlaybookRun,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.test_ms_state_registrations import (
    state_play,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, running_lab

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("ietf-lab")
    with running_lab(
        root / "lab",
        sites=4,
        platform="ietf",
        etr_behaviour="standard",
        notify_share=0.5,  # sites that act on notifications: auto must not ask the MS
        register_interval=5.0,
    ) as running:
        yield running


def play(lab: Lab, text: str, *args: str) -> PlaybookRun:
    run = run_playbook(lab, text, *args)
    assert lab.spec.password not in run.output
    return run


def reregister_play(options: str, task_keyword: str = "") -> str:
    """One reregister task on the active unit; ``options`` are module lines."""
    return f"""
- hosts: ms1-a
  gather_facts: false
  tasks:
    - name: reregister
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        {options}
      {task_keyword}
"""


def test_hello_announces_only_standard_modules(lab: Lab) -> None:
    inventory = yaml.safe_load(lab.inventory.read_text())
    group = inventory["all"]["children"]["map_servers"]["vars"]
    assert group["ansible_network_os"] == "lispnet.ms_recovery.ietf"
    with lab.ms_session(0) as session:
        announced = session.server_capabilities()
    modules = {uri.split("?", 1)[0] for uri in announced}
    assert SYS in modules and LMR not in modules


def test_ms_state_detects_a_reboot_from_boot_datetime(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    first = play(lab, state_play(state))
    assert first.rc == 0, first.output
    assert first.result("state", "ms1-a")["event"] == "first_seen"
    assert first.result("state", "ms1-a")["active"] is True
    assert first.result("state", "ms1-b")["active"] is False
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, 60.0)
    after = play(lab, state_play(state))
    assert after.rc == 0, after.output
    assert after.result("state", "ms1-a")["event"] == "reboot"
    assert after.result("state", "ms1-b")["event"] == "none"


def test_validate_and_snapshot_playbooks(lab: Lab, tmp_path: Path) -> None:
    wait_registered(lab.dir, 60.0)  # its ETRs refill the table on their 5 s timer
    validate = play(lab, (REPO / "playbooks" / "validate.yml").read_text())
    assert validate.rc == 0, validate.output
    counts = validate.result("Compare the registration table with the EID inventory", "ms1-a")
    assert counts["complete"] is True and counts["counts"]["missing"] == 0

    dest = tmp_path / "eids.yml"
    shutil.copy(lab.eids, dest)
    snapshot = play(
        lab, (REPO / "playbooks" / "snapshot.yml").read_text(), "-e", f"snapshot_dest={dest}"
    )
    assert snapshot.rc == 0, snapshot.output
    result = snapshot.result("Write the EID inventory from the active unit", "ms1-a")
    expected = load_inventory(lab.eids)
    assert result["learned_sites"] == len(expected.sites)
    assert result["skipped_sites"] == [] and result["missing_keys"] == []
    assert result["drifted"] is False
    assert load_inventory(dest).expected("ms1") == expected.expected("ms1")


def test_method_ms_refused_naming_the_missing_capability(lab: Lab) -> None:
    run = play(lab, reregister_play("method: ms", "ignore_errors: true"))
    result = run.result("reregister", "ms1-a")
    assert result["failed"] is True
    assert "lispnet-ms-recovery" in result["msg"] and "send-reregistration" in result["msg"]


def test_auto_notifies_from_the_controller_where_the_ms_cannot(lab: Lab) -> None:
    """Every site targeted: notify-capable ETRs get the controller's Map-Notify
    (lisp), the others a bridge; the MS-native RPC the server lacks is never asked."""
    run = play(
        lab, reregister_play("method: auto\n        only_missing: false\n        timeout: 30")
    )
    assert run.rc == 0, run.output
    result = run.result("reregister", "ms1-a")
    sites = load_inventory(lab.eids).sites
    notify = {site.name for site in sites if all("notify" in etr.supports for etr in site.etrs)}
    assert 0 < len(notify) < lab.spec.sites
    assert result["site_methods"] == {
        name: "lisp" if name in notify else "register" for name in result["site_methods"]
    }
    assert set(result["site_methods"]) == {site.name for site in sites}


def test_recover_playbook_after_a_reboot(lab: Lab) -> None:
    """recover.yml (method auto: bridge registrations, or the controller's
    notifications for notify-capable ETRs, where no MS-native method exists)
    brings the table back; validate.yml passes after it."""
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, 60.0)
    run = play(
        lab,
        f"- ansible.builtin.import_playbook: {REPO / 'playbooks' / 'recover.yml'}\n",
        "-e",
        f"report_dir={lab.dir}/report-recover",
    )
    assert run.rc == 0, run.output
    results = run.results_by_task[
        "lispnet.ms_recovery.ms_recovery : Ask the sites' ETRs to re-register"
    ]
    result = next(r for r in results.values() if not r.get("skipped"))
    # No MS-native method on a standard server: notify-capable sites are notified
    # by the controller (lisp), the others bridged.
    assert set(result["site_methods"].values()) <= {"register", "lisp"}
    validate = play(lab, (REPO / "playbooks" / "validate.yml").read_text())
    assert validate.rc == 0, validate.output
