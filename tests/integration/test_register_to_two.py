"""Sites whose ETRs register to two Map-Servers (`lisplab up --map-servers 3
--register-to 2`, the common redundant design). Each Map-Server holds its own
copy of a shared site's registrations, from the ETRs themselves; rebooting one
and running recover.yml over the whole lab recovers that one alone: the
rebooted table is whole (independent NETCONF read) and the other Map-Servers'
registrations and registration counters are exactly as before, no Map-Register
of the controller having reached them.

The lab's ETRs are standard, half the sites' ETRs act on notifications (marked
in the EID inventory), so ``auto`` recovers with both the MS-native notification
(``ms``) and bridge registrations (``register``); ``lisp`` is run on its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Site,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsSnapshot
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"
REREGISTER = "lispnet.ms_recovery.ms_recovery : Ask the sites' ETRs to re-register"
MAP_SERVERS = 3
SITES = 9
# What any Map-Register (an ETR's or a bridge) or a notification moves on a
# Map-Server. The Map-Request counters are left out: each Map-Server's own
# play resolves a sample of its EIDs to verify it, healthy or not.
REGISTRATION_COUNTERS = (
    "map-registers-received",
    "map-registers-accepted",
    "register-retransmissions",
    "replays",
    "auth-failures",
    "unknown-site",
    "eids-refused",
    "registrations-withdrawn",
    "notifies-sent",
    "unexpected-acks",
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("regto2") / "lab",
        sites=SITES,
        map_servers=MAP_SERVERS,
        register_to=2,
        register_interval=NO_PASSIVE_REFILL,  # only the recovery can refill a table
        etr_behaviour="standard",
        notify_share=0.5,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inventory(lab: Lab) -> EidInventory:
    return load_inventory(lab.eids)


def read(lab: Lab, ms: int) -> MsSnapshot:
    """An independent NETCONF read of Map-Server ``ms``'s active unit."""
    return lab.read_ms(0, ms)


def table(snapshot: MsSnapshot) -> dict[str, frozenset[str]]:
    merged: dict[str, set[str]] = {}
    for record in snapshot.registrations:
        merged.setdefault(str(record.eid), set()).update(str(r.address) for r in record.rlocs)
    return {eid: frozenset(rlocs) for eid, rlocs in merged.items()}


def expected(inventory: EidInventory, lab: Lab, ms: int) -> dict[str, frozenset[str]]:
    return {
        str(eid): frozenset(map(str, rlocs))
        for eid, rlocs in inventory.expected(lab.spec.ms_name(ms)).items()
    }


def registrations(snapshot: MsSnapshot) -> list[tuple[Any, ...]]:
    """Every record as the Map-Server keeps it: who registered it, from where, when."""
    return sorted(
        (
            str(r.eid),
            r.xtr_id,
            tuple(sorted(str(x.address) for x in r.rlocs)),
            str(r.source),
            r.source_port,
            r.first_registered,
            r.last_registered,
        )
        for r in snapshot.registrations
    )


def untouched(snapshot: MsSnapshot) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    counters = {name: snapshot.counters.get(name, 0) for name in REGISTRATION_COUNTERS}
    return registrations(snapshot), counters


def etr_rlocs(inventory: EidInventory) -> set[str]:
    return {str(etr.rloc) for site in inventory.sites for etr in site.etrs}


def notify_sites(sites: tuple[Site, ...]) -> list[str]:
    return [s.name for s in sites if all("notify" in etr.supports for etr in s.etrs)]


def reboot(lab: Lab, ms: int) -> None:
    process = lab.spec.ms_process(ms)
    lab.control("reboot", process=process, down_for=1.0)
    wait_ms_back(lab.dir, timeout=30, process=process)
    assert table(read(lab, ms)) == {}


def test_each_map_server_holds_its_own_copy_of_a_shared_site(
    lab: Lab, inventory: EidInventory
) -> None:
    shared = [site for site in inventory.sites if len(site.map_servers) == 2]
    assert len(shared) == SITES  # every site registers to two Map-Servers
    for ms in range(MAP_SERVERS):
        snapshot = read(lab, ms)
        assert table(snapshot) == expected(inventory, lab, ms)
        # Registered by the ETRs themselves, each to this Map-Server.
        assert {str(r.source) for r in snapshot.registrations} <= etr_rlocs(inventory)


def test_one_rebooted_is_recovered_alone_by_one_run_over_the_lab(
    lab: Lab, inventory: EidInventory, tmp_path: Path
) -> None:
    others = {ms: untouched(read(lab, ms)) for ms in (1, 2)}
    reboot(lab, 0)
    report = tmp_path / "report"
    run = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "-f",
        str(2 * MAP_SERVERS),
        "-e",
        f"report_dir={report}",
    )
    assert run.rc == 0, run.output

    assert table(read(lab, 0)) == expected(inventory, lab, 0)  # the rebooted one, whole
    for ms, before in others.items():
        after = read(lab, ms)
        assert untouched(after) == before, f"ms{ms + 1} was disturbed"
        assert table(after) == expected(inventory, lab, ms)
        assert run.result(REREGISTER, f"ms{ms + 1}-a")["sent"] == 0
    result = run.result(REREGISTER, "ms1-a")
    mine = inventory.sites_of("ms1")
    assert sorted(result["targeted_sites"]) == sorted(s.name for s in mine)
    notified = notify_sites(mine)
    assert 0 < len(notified) < len(mine)  # both methods ran: notified and bridged
    assert result["site_methods"] == {
        s.name: "ms" if s.name in notified else "register" for s in mine
    }
    for name in ("ms1", "ms2", "ms3"):
        data = json.loads((report / name / "report.json").read_text())
        assert data["ok"] is True, data


def test_the_lisp_method_sends_nothing_to_the_other_map_servers(
    lab: Lab, inventory: EidInventory
) -> None:
    reboot(lab, 1)
    others = {ms: read(lab, ms) for ms in (0, 2)}
    notified = notify_sites(inventory.sites_of("ms2"))
    sites = ", ".join(notified)
    run = run_playbook(
        lab,
        f"""
- hosts: ms2-a
  gather_facts: false
  tasks:
    - name: notify
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        map_server: ms2
        method: lisp
        sites: [{sites}]
    - name: bridge the rest
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        map_server: ms2
        method: register
""",
    )
    assert run.rc == 0, run.output
    assert run.result("notify", "ms2-a")["complete"] is True
    assert table(read(lab, 1)) == expected(inventory, lab, 1)
    etrs = etr_rlocs(inventory)
    for ms, before in others.items():
        after = read(lab, ms)
        # The notified ETRs cannot tell which Map-Server the controller speaks
        # for and refresh each of theirs: the same registrants and mappings.
        assert table(after) == table(before)
        assert {(str(r.eid), r.xtr_id, str(r.source)) for r in after.registrations} == {
            (str(r.eid), r.xtr_id, str(r.source)) for r in before.registrations
        }
        # Nothing new came from anyone but the ETRs: no notification or bridge
        # of this run (an earlier test's bridges on ms1 are exactly as they were).
        assert [r for r in registrations(after) if r[3] not in etrs] == [
            r for r in registrations(before) if r[3] not in etrs
        ]
        assert after.counters.get("notifies-sent", 0) == before.counters.get("notifies-sent", 0)


def test_the_netconf_method_asks_the_etrs_for_the_rebooted_map_server_only(
    lab: Lab, inventory: EidInventory
) -> None:
    others = {ms: untouched(read(lab, ms)) for ms in (0, 1)}
    reboot(lab, 2)
    sites = ", ".join(notify_sites(inventory.sites_of("ms3")))
    run = run_playbook(
        lab,
        f"""
- hosts: ms3-a
  gather_facts: false
  tasks:
    - name: ask the ETRs
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        map_server: ms3
        method: netconf
        sites: [{sites}]
        etr_username: "{{{{ ansible_user }}}}"
        etr_password: "{{{{ ansible_password }}}}"
        etr_ssh_config: "{{{{ ansible_netconf_ssh_config }}}}"
    - name: bridge the rest
      lispnet.ms_recovery.reregister:
        eid_inventory: "{{{{ lisp_eid_inventory }}}}"
        map_server: ms3
        method: register
""",
    )
    assert run.rc == 0, run.output
    assert run.result("ask the ETRs", "ms3-a")["complete"] is True
    assert table(read(lab, 2)) == expected(inventory, lab, 2)
    # The reregister-now RPC named ms3: the ETRs registered there only.
    for ms, before in others.items():
        assert untouched(read(lab, ms)) == before, f"ms{ms + 1} was disturbed"
