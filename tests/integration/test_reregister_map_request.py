"""reregister and map_request through real ansible-playbook runs against the lab.

The lab's ETRs register only once an hour here, so after a reboot nothing but
this collection's notifications can refill the Map-Server's table: what the
tests see is the modules' doing. Each test checks the table independently
over its own NETCONF session.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    completeness,
)
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    PlaybookRun,
    run_playbook,
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

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

SITES = 5
ACTIVE = "ms1-a"
# Lab timers: the ETRs' notifications retransmit fast, so failures show quickly.
LISP_OPTIONS = "pace: 200, ack_timeout: 0.3, retries: 2"
ETR_OPTIONS = (
    "etr_username: '{{ ansible_user }}', etr_password: '{{ ansible_password }}',"
    " etr_ssh_config: '{{ ansible_netconf_ssh_config }}'"
)
METHOD_OPTIONS = {"ms": "", "lisp": LISP_OPTIONS, "netconf": ETR_OPTIONS}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(
        tmp_path_factory.mktemp("rereg") / "lab",
        sites=SITES,
        register_interval=NO_PASSIVE_REFILL,
        notify_schedule=(0.3, 0.3, 0.6),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def inventory(lab: Lab) -> EidInventory:
    return load_inventory(str(lab.eids))


def table_state(lab: Lab, inventory: EidInventory) -> Any:
    with lab.ms_session() as session:
        records = get_platform().read_registrations(session)
    return completeness(inventory.sites, registered_table(records))


def reboot(lab: Lab) -> None:
    lab.control("reboot", down_for=1)
    wait_ms_back(lab.dir, timeout=30)


def refill(lab: Lab, inventory: EidInventory) -> None:
    """Back to a whole table without the modules under test (the MS's own RPC)."""
    with lab.ms_session() as session:
        get_platform().send_reregistration(session, [], True, 10)
    deadline = time.monotonic() + 15
    while not table_state(lab, inventory).complete:
        assert time.monotonic() < deadline, "the lab did not refill"
        time.sleep(0.1)


def etr_reregistrations(lab: Lab) -> dict[str, int]:
    status = lab.control("status", process=lab.etr_process_of(0))
    return {name: etr["reregistrations"] for name, etr in status["etrs"].items()}


def play(lab: Lab, tasks: str, *args: str, check: bool = False) -> PlaybookRun:
    run = run_playbook(
        lab,
        f"""
- hosts: {ACTIVE}
  gather_facts: false
  tasks:
{tasks}
""",
        *args,
        check=check,
    )
    return run


def reregister_task(name: str, options: str = "", extra: str = "") -> str:
    return f"""
    - name: {name}
      lispnet.ms_recovery.reregister: {{eid_inventory: "{{{{ lisp_eid_inventory }}}}", {options}}}
{extra}"""


@pytest.mark.parametrize("method", ["ms", "lisp", "netconf"])
def test_each_method_refills_the_table_after_a_reboot(
    lab: Lab, inventory: EidInventory, method: str
) -> None:
    reboot(lab)
    assert table_state(lab, inventory).registered == 0
    options = f"method: {method}, {METHOD_OPTIONS[method]}"
    run = play(
        lab,
        reregister_task("recover", options) + reregister_task("again", options),
    )
    assert run.rc == 0, run.output
    first = run.result("recover", ACTIVE)
    assert first["changed"] is True and first["complete"] is True, first
    assert first["method"] == method
    assert first["sent"] == first["acked"] == SITES
    assert first["targeted_sites"] == [site.name for site in inventory.sites]
    assert all(site["recovered"] for site in first["sites"])
    assert first["failed_sites"] == [] and first["unreachable_etrs"] == []
    assert first["expected"] == first["registered"] == 2 * SITES
    assert first["progress"][0] == [0.0, 0]
    assert first["progress"][-1][1] == 2 * SITES
    assert first["elapsed"] is not None
    # A healthy Map-Server gets nothing sent.
    again = run.result("again", ACTIVE)
    assert again["changed"] is False and again["sent"] == 0 and again["complete"] is True
    # Independent read: the table is whole.
    assert table_state(lab, inventory).complete
    # No site key in anything Ansible printed.
    for site in inventory.sites:
        assert site.key.reveal().decode() not in run.output


def test_check_mode_sends_nothing(lab: Lab, inventory: EidInventory) -> None:
    reboot(lab)
    before = etr_reregistrations(lab)
    run = play(lab, reregister_task("plan", f"method: lisp, {LISP_OPTIONS}"), check=True)
    assert run.rc == 0, run.output
    plan = run.result("plan", ACTIVE)
    assert plan["changed"] is True
    assert plan["sent"] == 0 and plan["would_send"] == SITES
    assert [s["site"] for s in plan["sites"]] == [s.name for s in inventory.sites]
    assert plan["complete"] is False and plan["registered"] == 0
    time.sleep(0.5)  # anything sent would have been acted on by now
    assert table_state(lab, inventory).registered == 0
    assert etr_reregistrations(lab) == before
    refill(lab, inventory)


@pytest.mark.parametrize("method", ["ms", "lisp", "netconf"])
def test_a_stopped_etr_is_named_and_fails_the_task(
    lab: Lab, inventory: EidInventory, method: str
) -> None:
    site = inventory.sites[1]
    etr = site.etrs[0]
    lab.control("stop_etr", process=lab.etr_process_of(1), name=etr.name)
    try:
        reboot(lab)
        options = f"method: {method}, timeout: 8, {METHOD_OPTIONS[method]}"
        run = play(lab, reregister_task("recover", options, "      ignore_errors: true"))
        result = run.result("recover", ACTIVE)
        assert result.get("failed") is True, result
        assert result["failed_sites"] == [site.name]
        assert result["unreachable_etrs"] == [etr.name]
        assert site.name in result["msg"] and etr.name in result["msg"]
        assert result["missing"] == [str(eid) for eid in site.eids]
        recovered = {s["site"]: s["recovered"] for s in result["sites"]}
        assert recovered == {s.name: s.name != site.name for s in inventory.sites}
        state = table_state(lab, inventory)
        assert state.unrecovered_sites == (site.name,)
    finally:
        lab.control("start_etr", process=lab.etr_process_of(1), name=etr.name)
    refill(lab, inventory)


def map_request_task(name: str, options: str = "", extra: str = "") -> str:
    return f"""
    - name: {name}
      lispnet.ms_recovery.map_request: {{eid_inventory: "{{{{ lisp_eid_inventory }}}}", {options}}}
{extra}"""


def test_map_request_resolves_registered_eids_and_sees_negatives_after_a_reboot(
    lab: Lab, inventory: EidInventory
) -> None:
    refill(lab, inventory)
    healthy = play(
        lab,
        map_request_task("resolve", "fail_on: {negative: 0, rloc_mismatch: 0, timeout: 0}")
        + map_request_task("resolve in check mode", "sample: 3", "      check_mode: true"),
    )
    assert healthy.rc == 0, healthy.output
    result = healthy.result("resolve", ACTIVE)
    assert result["changed"] is False
    assert result["summary"]["ok"] == result["summary"]["total"] == 2 * SITES
    service = str(lab.spec.service_address)
    for entry in result["results"]:
        index = int(entry["site"].rsplit("-", 1)[1]) - 1
        etr_rloc = str(inventory.site(entry["site"]).etrs[0].rloc)
        assert entry["rlocs"] == entry["expected_rlocs"] == [etr_rloc]
        # Proxy-reply sites are answered by the MS, the others by their ETR.
        expected_replier = service if lab.spec.site_proxy_reply(index) else etr_rloc
        assert entry["replier"] == expected_replier, entry
    assert healthy.result("resolve in check mode", ACTIVE)["summary"]["ok"] == 3

    reboot(lab)
    after = play(
        lab,
        map_request_task("resolve", "")
        + map_request_task("strict", "fail_on: {negative: 0}", "      ignore_errors: true"),
    )
    negative = after.result("resolve", ACTIVE)
    assert negative.get("failed") is not True
    assert negative["summary"]["negative"] == 2 * SITES
    assert {e["action"] for e in negative["results"]} == {"natively-forward"}
    assert {e["replier"] for e in negative["results"]} == {service}
    strict = after.result("strict", ACTIVE)
    assert strict["failed"] is True and "negative (fail_on negative: 0)" in strict["msg"]
    refill(lab, inventory)


class Capture:
    """tshark on lo for this lab's LISP control traffic, bounded, stopped by PID."""

    def __init__(self, pcap: Path, subnet: int) -> None:
        tshark = shutil.which("tshark")
        if tshark is None:
            pytest.skip("tshark not found on PATH (Debian: apt-get install tshark)")
        self.pcap = pcap
        self.process = subprocess.Popen(
            [tshark, "-n", "-i", "lo", "-f", f"udp port 4342 and net 127.{subnet}.0.0/16",
             "-a", "duration:120", "-w", str(pcap)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stderr is not None
        deadline = time.monotonic() + 20
        for line in self.process.stderr:
            if "Capturing on" in line or time.monotonic() > deadline:
                break
        if self.process.poll() is not None:
            pytest.skip(
                f"capture on lo is not permitted here (tshark exit {self.process.returncode})"
            )

    def stop(self) -> None:
        time.sleep(0.5)  # the last acks and replies reach the capture
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def test_the_lisp_method_and_map_requests_are_well_formed_on_the_wire(
    lab: Lab, inventory: EidInventory, tmp_path: Path
) -> None:
    capture = Capture(tmp_path / "controller.pcap", lab.spec.subnet)
    try:
        reboot(lab)
        run = play(
            lab,
            reregister_task("recover", f"method: lisp, {LISP_OPTIONS}")
            + map_request_task("resolve", "fail_on: {negative: 0, timeout: 0}"),
        )
    finally:
        capture.stop()
    assert run.rc == 0, run.output
    recover = run.result("recover", ACTIVE)
    assert recover["complete"] is True
    controller_port = int(recover["sources"][0].rsplit(":", 1)[1])

    assert tshark_problems(capture.pcap) == []
    fields = ["lisp.type", "lisp.nonce", "ip.src", "ip.dst", "udp.srcport", "udp.dstport"]
    frames = tshark_fields(capture.pcap, fields)
    port = [str(controller_port)]
    # Authenticated Map-Notify messages from the controller's socket, one nonce per
    # ETR (a retransmission repeats its nonce), each ETR acking back to that socket.
    # (This tshark names no fields of a Map-Notify-Ack but its type, 5.)
    notifies = [f for f in frames if f["udp.srcport"] == port and f["lisp.type"] == ["4"]]
    acks = [f for f in frames if f["udp.dstport"] == port and f["lisp.type"] == ["5"]]
    etr_rlocs = {str(etr.rloc) for site in inventory.sites for etr in site.etrs}
    assert {f["ip.dst"][0] for f in notifies} == etr_rlocs, frames
    assert {f["ip.src"][0] for f in acks} == etr_rlocs, frames
    assert len({n for f in notifies for n in f["lisp.nonce"]}) == SITES
    seen = {t for f in frames for t in f["lisp.type"]}
    assert {"1", "2", "3", "8"} <= seen  # Map-Request (in ECM), Map-Reply, Map-Register
