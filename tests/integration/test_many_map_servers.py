"""Several independent Map-Servers (`lisplab up --map-servers N`): two rebooted
at once are both recovered by one recover.yml run over all of them, the
untouched one gets nothing sent, and the report covers each Map-Server; and
an AWX sliced job (ansible-runner, one inventory slice per part, the parts at
once) recovers each rebooted Map-Server once (docs/awx.md)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    ANSIBLE_CFG,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"
REREGISTER_TASK = "Ask the sites' ETRs to re-register"
REREGISTER = "lispnet.ms_recovery.ms_recovery : " + REREGISTER_TASK
WRAPPER = "- ansible.builtin.import_playbook: lispnet.ms_recovery.recover\n"
MAP_SERVERS = 3
SITES = 10


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("many") / "lab",
        sites=SITES,
        map_servers=MAP_SERVERS,
        register_interval=NO_PASSIVE_REFILL,
    ) as running:
        yield running


def registered_eids(lab: Lab, ms: int) -> set[str]:
    """An independent NETCONF read of Map-Server ``ms``'s first unit."""
    return {str(eid) for eid in lab.registered(0, ms)}


def expected_eids(lab: Lab, ms: int) -> set[str]:
    inventory = load_inventory(lab.eids)
    return {str(eid) for eid in inventory.expected(lab.spec.ms_name(ms))}


def test_the_lab_spreads_sites_over_independent_map_servers(lab: Lab) -> None:
    inventory = load_inventory(lab.eids)
    assert [ms.name for ms in inventory.map_servers] == ["ms1", "ms2", "ms3"]
    addresses = {str(ms.lisp_address) for ms in inventory.map_servers}
    assert len(addresses) == MAP_SERVERS  # each its own service address
    groups = yaml.safe_load(lab.inventory.read_text())["all"]["children"]
    for ms in range(MAP_SERVERS):
        # One group per Map-Server, as the inventory plugin names them.
        assert sorted(groups[f"ms_ms{ms + 1}"]["hosts"]) == [f"ms{ms + 1}-a", f"ms{ms + 1}-b"]
        sites = inventory.sites_of(lab.spec.ms_name(ms))
        assert len(sites) in (SITES // MAP_SERVERS, SITES // MAP_SERVERS + 1)
        # Each holds exactly its own sites' EIDs, learned from its ETRs.
        assert registered_eids(lab, ms) == expected_eids(lab, ms)


def test_two_rebooted_at_once_are_recovered_by_one_run(lab: Lab) -> None:
    for process in ("ms", "ms3"):
        lab.control("reboot", process=process, down_for=1.0)
    for process in ("ms", "ms3"):
        wait_ms_back(lab.dir, timeout=20, process=process)
    assert registered_eids(lab, 0) == set() and registered_eids(lab, 2) == set()
    assert registered_eids(lab, 1) == expected_eids(lab, 1)  # only the rebooted lost theirs

    report = lab.dir / "report"
    run = run_playbook(
        lab, f"- ansible.builtin.import_playbook: {RECOVER}\n", "-e", f"report_dir={report}"
    )
    assert run.rc == 0, run.output
    for ms in range(MAP_SERVERS):
        assert registered_eids(lab, ms) == expected_eids(lab, ms)
    ms1, ms2, ms3 = (run.result(REREGISTER, f"ms{n}-a") for n in (1, 2, 3))
    assert ms1["changed"] is True and ms3["changed"] is True
    assert ms2["sent"] == 0 and ms2["changed"] is False  # healthy: nothing sent
    # Each rebooted Map-Server's sites, and only those, were asked.
    for result, ms in ((ms1, 0), (ms3, 2)):
        assert result["map_server"] == lab.spec.ms_name(ms)
    for name in ("ms1", "ms2", "ms3"):
        data = json.loads((report / name / "report.json").read_text())
        assert data["ok"] is True, data


def awx_slices(inventory: Path, count: int, into: Path) -> list[Path]:
    """The inventories of an AWX sliced job: the hosts sorted by name, slice k
    (from 1) holding every count-th from the k-th, with the same variables."""
    data = yaml.safe_load(inventory.read_text())
    group = data["all"]["children"]["map_servers"]
    hosts = sorted(group["hosts"])
    slices = []
    for k in range(count):
        part = copy.deepcopy(data)
        part["all"]["children"]["map_servers"]["hosts"] = {
            name: group["hosts"][name] for name in hosts[k::count]
        }
        path = into / f"slice-{k + 1}.yml"
        path.write_text(yaml.safe_dump(part))
        slices.append(path)
    return slices


def test_a_sliced_job_recovers_each_map_server_once(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ansible_runner = pytest.importorskip("ansible_runner")
    for process in ("ms2", "ms3"):
        lab.control("reboot", process=process, down_for=1.0)
    for process in ("ms2", "ms3"):
        wait_ms_back(lab.dir, timeout=20, process=process)
    assert registered_eids(lab, 1) == set() and registered_eids(lab, 2) == set()

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    slices = awx_slices(lab.inventory, 3, tmp_path)
    jobs = []
    control_dirs = []
    for n, inventory in enumerate(slices, start=1):
        private = tmp_path / f"job-{n}"
        (private / "project").mkdir(parents=True)
        (private / "project" / "recover.yml").write_text(WRAPPER)
        control_dirs.append(tempfile.mkdtemp(prefix="apc-", dir="/tmp"))
        # The slices run at once, as AWX runs a sliced job's parts on its nodes.
        thread, runner = ansible_runner.run_async(
            private_data_dir=str(private),
            playbook="recover.yml",
            inventory=str(inventory),
            extravars={"report_dir": str(tmp_path / f"report-{n}")},
            envvars={
                "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
                "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": control_dirs[-1],
                "ANSIBLE_LOCAL_TEMP": str(private / "ansible-tmp"),
            },
            quiet=True,
            timeout=180,
        )
        jobs.append((thread, runner))
    try:
        for thread, _unused in jobs:
            thread.join(timeout=240)
    finally:
        for directory in control_dirs:
            shutil.rmtree(directory, ignore_errors=True)
    covered: list[str] = []
    recovered: dict[str, str] = {}
    for _unused, runner in jobs:
        stdout = runner.stdout.read()
        assert (runner.status, runner.rc) == ("successful", 0), stdout
        covered += runner.stats["ok"]
        for event in runner.events:
            data = event.get("event_data", {})
            if data.get("task") == REREGISTER_TASK and event["event"] == "runner_on_ok":
                result = data["res"]
                if result["changed"]:
                    recovered[result["map_server"]] = data["host"]
    units = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["map_servers"]["hosts"]
    assert sorted(covered) == sorted(units)  # every unit in exactly one slice
    assert sorted(recovered) == ["ms2", "ms3"]  # each rebooted one once, by its active unit
    for ms in range(MAP_SERVERS):
        assert registered_eids(lab, ms) == expected_eids(lab, ms)
