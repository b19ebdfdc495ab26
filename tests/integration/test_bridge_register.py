"""Bridge registrations (``reregister`` method ``register``, and ``auto``) against the lab.

The lab's ETRs are standard (they ignore an unsolicited Map-Notify and register
on their own timer), except half the sites of the first lab, whose ETRs act on
notifications and are marked so in the EID inventory: ``auto`` notifies those
through the MS and bridges the others, registering each site's stored EIDs and
ETR RLOCs to the Map-Server itself. Every check of the table is an independent
NETCONF read (full records, registrants included).
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    registered_table,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    completeness,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    PlaybookRun,
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.test_reregister_map_request import (
    Capture,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)
from ansible_collections.lispnet.ms_recovery.tests.support.tshark import (
    tshark_fields,
    tshark_problems,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SITES = 4
ACTIVE = "ms1-a"
IGNORE = "      ignore_errors: true"
RECOVER = Path(__file__).resolve().parents[2] / "playbooks" / "recover.yml"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    # ETRs register once a day: only the recovery can refill the table.
    with running_lab(
        tmp_path_factory.mktemp("bridge") / "lab",
        sites=SITES,
        register_interval=NO_PASSIVE_REFILL,
        etr_behaviour="standard",
        notify_share=0.5,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inventory(lab: Lab) -> EidInventory:
    return load_inventory(str(lab.eids))


def records(lab: Lab) -> tuple[Registration, ...]:
    """The active unit's table, read over its own NETCONF session."""
    units = lab.control("status")["units"]
    active = next(i for i, unit in enumerate(units) if unit["role"] == "active")
    with lab.ms_session(active) as session:
        return get_platform().read_registrations(session)


def table_state(lab: Lab, inventory: EidInventory) -> Any:
    return completeness(inventory.sites, registered_table(records(lab)))


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=1)
    wait_ms_back(lab.dir, timeout=30)


def play(lab: Lab, body: str, *args: str, check: bool = False, local: bool = False) -> PlaybookRun:
    connection = "\n  connection: local" if local else ""
    return run_playbook(
        lab,
        f"""
- hosts: {ACTIVE}
  gather_facts: false{connection}
  tasks:
{body}
""",
        *args,
        check=check,
    )


def task(name: str, options: str = "", extra: str = "") -> str:
    return f"""
    - name: {name}
      lispnet.ms_recovery.reregister: {{eid_inventory: "{{{{ lisp_eid_inventory }}}}", {options}}}
{extra}"""


def test_bridges_refill_the_table_and_are_well_formed_on_the_wire(
    lab: Lab, inventory: EidInventory, tmp_path: Path
) -> None:
    reboot(lab)
    assert table_state(lab, inventory).registered == 0
    capture = Capture(tmp_path / "bridge.pcap", lab.spec.subnet)
    try:
        run = play(lab, task("recover", "method: auto") + task("again", "method: register"))
    finally:
        capture.stop()
    assert run.rc == 0, run.output
    result = run.result("recover", ACTIVE)
    assert result["complete"] is True and result["changed"] is True
    notified = [s for s in inventory.sites if all("notify" in e.supports for e in s.etrs)]
    bridged = [s for s in inventory.sites if s not in notified]
    assert len(notified) == len(bridged) == SITES // 2
    assert result["site_methods"] == {
        s.name: "ms" if s in notified else "register" for s in inventory.sites
    }
    for site in result["sites"]:
        if site["method"] == "register":
            assert site["bridged"] is not None, site
            assert site["etr_confirmed"] is None  # ETRs register once a day here
    # Each bridged site is registered by the controller's socket (no xTR-ID),
    # each notified one by its own ETR (with its xTR-ID).
    source, port = result["sources"][0].rsplit(":", 1)
    table = records(lab)
    by_bridge = {r.site for r in table if r.xtr_id is None}
    assert by_bridge == {s.name for s in bridged}
    for record in table:
        if record.xtr_id is None:
            assert record.source == ipaddress.ip_address(source), record
            assert record.source_port == int(port) and record.want_map_notify
    assert {r.site for r in table if r.xtr_id is not None} == {s.name for s in notified}
    assert table_state(lab, inventory).complete
    # A healthy Map-Server gets nothing sent.
    again = run.result("again", ACTIVE)
    assert again["changed"] is False and again["sent"] == 0
    # tshark: every bridge Map-Register decodes cleanly, M set, I clear, one per site
    # (two EIDs fit one message), each confirmed by a Map-Notify with its nonce.
    assert tshark_problems(capture.pcap) == []
    fields = ["lisp.type", "lisp.nonce", "udp.srcport", "udp.dstport", "lisp.mreg.flags.wmn"]
    fields += ["lisp.mreg.flags.xtrid", "lisp.mreg.flags.pmr"]
    frames = tshark_fields(capture.pcap, fields)
    registers = [f for f in frames if f["udp.srcport"] == [port] and f["lisp.type"] == ["3"]]
    notifies = [f for f in frames if f["udp.dstport"] == [port] and f["lisp.type"] == ["4"]]
    assert len({n for f in registers for n in f["lisp.nonce"]}) == len(bridged), frames
    assert {n for f in registers for n in f["lisp.nonce"]} == {
        n for f in notifies for n in f["lisp.nonce"]
    }
    for frame in registers:
        assert frame["lisp.mreg.flags.wmn"] in (["1"], ["True"]), frame
        assert frame["lisp.mreg.flags.xtrid"] in (["0"], ["False"]), frame
    for site in inventory.sites:
        assert site.key.reveal().decode() not in run.output


def test_check_mode_lists_the_bridges_and_sends_nothing(lab: Lab, inventory: EidInventory) -> None:
    reboot(lab)
    run = play(lab, task("plan", "method: register"), check=True)
    assert run.rc == 0, run.output
    plan = run.result("plan", ACTIVE)
    assert plan["sent"] == 0 and plan["changed"] is True
    assert [b["site"] for b in plan["would_register"]] == [s.name for s in inventory.sites]
    assert set(plan["site_methods"].values()) == {"register"}
    first = plan["would_register"][0]
    assert first["eids"] == [str(e) for e in inventory.sites[0].eids]
    assert first["rlocs"] == [str(e.rloc) for e in inventory.sites[0].etrs]
    assert first["map_registers"] == 1
    time.sleep(0.5)
    assert records(lab) == ()
    for site in inventory.sites:
        assert site.key.reveal().decode() not in run.output


def test_a_stale_inventory_is_refused_unless_forced(lab: Lab, inventory: EidInventory) -> None:
    reboot(lab)
    refused = play(
        lab,
        task("stale", "method: register, max_inventory_age: 0.001, timeout: 3", IGNORE),
    )  # fmt: skip
    result = refused.result("stale", ACTIVE)
    assert result.get("failed") is True, result
    assert [s["site"] for s in result["stale_sites"]] == [s.name for s in inventory.sites]
    assert "EID inventory is" in result["stale_sites"][0]["reason"]
    assert result["sent"] == 0 and "force" in result["msg"]
    assert records(lab) == ()
    drift = {"eids": {inventory.sites[0].name: {"added": ["[0]10.9.9.0/24"], "removed": []}}}
    partly = play(
        lab,
        task("drift", f"method: register, timeout: 5, drift: {drift!r}", IGNORE),
    )  # fmt: skip
    result = partly.result("drift", ACTIVE)
    assert [s["site"] for s in result["stale_sites"]] == [inventory.sites[0].name]
    assert result["failed_sites"] == [] and result.get("failed") is True
    assert table_state(lab, inventory).unrecovered_sites == (inventory.sites[0].name,)
    forced = play(lab, task("forced", "method: register, max_inventory_age: 0.001, force: true"))
    assert forced.rc == 0, forced.output
    assert table_state(lab, inventory).complete


def test_a_map_server_reached_over_lisp_only(lab: Lab, inventory: EidInventory) -> None:
    reboot(lab)
    run = play(
        lab,
        task("bridge", "method: register")
        + """
    - name: resolve
      lispnet.ms_recovery.map_request: {eid_inventory: "{{ lisp_eid_inventory }}", fail_on: {negative: 0, timeout: 0}}
""",  # noqa: E501
        local=True,
    )
    assert run.rc == 0, run.output
    result = run.result("bridge", ACTIVE)
    assert result["complete"] is True and result["sent"] == SITES
    assert all(s["bridged"] for s in result["sites"])
    assert table_state(lab, inventory).complete  # independent NETCONF read


def restart_etrs(lab: Lab, inventory: EidInventory) -> None:
    """Each ETR registers at once after its own restart (its own registration)."""
    for index, site in enumerate(inventory.sites):
        for etr in site.etrs:
            lab.control("stop_etr", process=lab.etr_process_of(index), name=etr.name)
            lab.control("start_etr", process=lab.etr_process_of(index), name=etr.name)


def test_a_bridge_never_replaces_an_etr_registration_and_withdraws_only_itself(
    lab: Lab, inventory: EidInventory
) -> None:
    reboot(lab)
    restart_etrs(lab, inventory)
    deadline = time.monotonic() + 20
    while not table_state(lab, inventory).complete:
        assert time.monotonic() < deadline, "the ETRs did not register after their restart"
        time.sleep(0.2)
    own = {(r.eid, r.xtr_id): r for r in records(lab)}
    assert all(xtr is not None for _unused, xtr in own)
    # Bridge every site although the table is whole, then hand back at once.
    run = play(
        lab,
        task(
            "bridge",
            "method: register, only_missing: false, handback_timeout: 20, withdraw_bridges: true",
        ),
    )
    assert run.rc == 0, run.output
    result = run.result("bridge", ACTIVE)
    for site in result["sites"]:
        assert site["bridged"] and site["etr_confirmed"] and site["bridge_withdrawn"], site
    after = {(r.eid, r.xtr_id): r for r in records(lab)}
    # The ETRs' registrations are untouched (same RLOCs, same last registration),
    # and nothing of the bridge is left.
    assert after.keys() == own.keys()
    for key, record in own.items():
        assert after[key].rlocs == record.rlocs
        assert after[key].last_registered == record.last_registered
    with lab.ms_session() as session:
        counters = get_platform().read_ms_unit(session).counters
    assert counters["registrations-withdrawn"] == 2 * SITES


@pytest.fixture(scope="module")
def lively_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    # ETRs register every 30 s (random phases): most sites are still missing
    # when the playbook reads the table, and the ETRs confirm the bridges
    # well within its hand-back wait.
    with running_lab(
        tmp_path_factory.mktemp("handback") / "lab",
        sites=SITES,
        register_interval=30.0,
        etr_behaviour="standard",
    ) as running:
        yield running


@pytest.mark.parametrize("event", ["reboot", "switchover"])
def test_recover_playbook_bridges_then_hands_back_to_the_etrs(lively_lab: Lab, event: str) -> None:
    lab = lively_lab
    inventory = load_inventory(str(lab.eids))
    if event == "reboot":
        lab.control("reboot", down_for=1)
    else:
        lab.control("switchover")
    wait_ms_back(lab.dir, timeout=30)
    run = run_playbook(
        lab,
        f"- ansible.builtin.import_playbook: {RECOVER}\n",
        "-e",
        f"report_dir={lab.dir}/report-{event}",
        "-e",
        "ms_recovery_handback_timeout=60",
        # The lab's MS honours the T bit: withdraw after a reboot; after a
        # switchover leave the bridges to expire, as on an unverified MS.
        "-e",
        f"ms_recovery_withdraw_bridges={event == 'reboot'}",
    )
    assert run.rc == 0, run.output
    role = "lispnet.ms_recovery.ms_recovery : "
    results = run.results_by_task[role + "Ask the sites' ETRs to re-register"]
    bridging = next(r for r in results.values() if not r.get("skipped"))
    # The bridging task returns as soon as the table is whole; the report is
    # written then, and the hand-back is followed afterwards in its own task.
    assert all(site["etr_confirmed"] is None for site in bridging["sites"]), bridging
    output = run.output
    written = output.index(role + "Write the recovery report")
    followed = output.index(role + "Wait for the bridged sites' own ETR registrations")
    assert written < followed
    handbacks = run.results_by_task[role + "Wait for the bridged sites' own ETR registrations"]
    handback = next((r for r in handbacks.values() if not r.get("skipped")), None)
    if not bridging["sites"]:
        # Every ETR registered on its own before the table read (a loaded
        # machine): nothing bridged, nothing to follow.
        assert handback is None
        return
    assert handback is not None, handbacks
    result = handback["reregister"]
    assert handback["handback"]["confirmed"] == handback["handback"]["followed"]
    assert table_state(lab, inventory).complete  # independent NETCONF read
    # Sites whose ETRs registered on their own before the playbook read the
    # table (random phases, a loaded machine) are not targeted; every other
    # one is bridged, then confirmed by its ETR and (after the reboot) the
    # bridge withdrawn; not withdrawn, a bridge stays until it expires.
    assert set(result["site_methods"].values()) <= {"register"}
    withdraw = event == "reboot"
    for site in result["sites"]:
        assert site["bridged"] and site["etr_confirmed"], site
        assert site["bridged"] <= site["etr_confirmed"]
        assert bool(site["bridge_withdrawn"]) is withdraw, site
        if withdraw:
            assert site["etr_confirmed"] <= site["bridge_withdrawn"]
    if result["sites"]:
        source, port = result["sources"][0].rsplit(":", 1)
        bridge = [r for r in records(lab) if str(r.source) == source and r.source_port == int(port)]
        assert bool(bridge) is not withdraw
    # The report, written again after the hand-back, shows every bridged site
    # confirmed by its own ETR.
    report = json.loads((lab.dir / f"report-{event}" / "report.json").read_text())
    reported = {s["site"]: s for s in report["sites"]}
    for site in result["sites"]:
        assert reported[site["site"]]["etr_confirmed"] == site["etr_confirmed"], reported
